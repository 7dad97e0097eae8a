// The application's seam (Application/AuthEndpoints.swift) is exactly these handlers' API.
extension AuthEndpointHandlers: AuthEndpoints {}
