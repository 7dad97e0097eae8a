// The Leads API: routes, validation, JSON, pagination, auth, rate limits.
public enum LeadsAPIPlaceholder {}
