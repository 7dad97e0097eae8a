/// Laravel's length-aware paginator envelope around already written items.
public struct PaginatorEnvelope {
    /// `scheme://host/path`, without a query.
    public var path: String
    /// The request's other query parameters as sent, in order (without `page`).
    public var otherParameters: [Substring]
    public var currentPage: Int
    public var perPage: Int
    public var total: Int
    public var itemCount: Int
    public var offset: Int

    public init(path: String, query: QueryString, currentPage: Int, perPage: Int, total: Int, itemCount: Int, offset: Int) {
        self.path = path
        self.otherParameters = query.parameters.filter { $0.name != "page" }.map(\.raw)
        self.currentPage = currentPage
        self.perPage = perPage
        self.total = total
        self.itemCount = itemCount
        self.offset = offset
    }

    public var lastPage: Int { max(1, (total + perPage - 1) / perPage) }

    public func url(page: Int) -> String {
        var url = path + "?"
        for parameter in otherParameters {
            url += parameter
            url += "&"
        }
        return url + "page=" + String(page)
    }

    /// Writes `"data": [items], "links": {...}, "meta": {...}` as one object.
    public func write<Failure: Error>(items: (inout JSONWriter) throws(Failure) -> Void, into writer: inout JSONWriter) throws(Failure) {
        let last = lastPage
        let previous = currentPage > 1 ? url(page: currentPage - 1) : nil
        let next = currentPage < last ? url(page: currentPage + 1) : nil
        writer.beginObject()
        writer.key("data")
        writer.beginArray()
        try items(&writer)
        writer.endArray()

        writer.key("links")
        writer.beginObject()
        writer.key("first"); writer.string(url(page: 1))
        writer.key("last"); writer.string(url(page: last))
        writer.key("prev"); writer.string(previous)
        writer.key("next"); writer.string(next)
        writer.endObject()

        writer.key("meta")
        writer.beginObject()
        writer.key("current_page"); writer.int(currentPage)
        writer.key("from"); if itemCount > 0 { writer.int(offset + 1) } else { writer.null() }
        writer.key("last_page"); writer.int(last)
        writer.key("links")
        writer.beginArray()
        link(&writer, url: previous, label: "&laquo; Previous", active: false)
        for element in PageWindow.elements(current: currentPage, last: last) {
            switch element {
            case .page(let page): link(&writer, url: url(page: page), label: String(page), active: page == currentPage)
            case .gap: link(&writer, url: nil, label: "...", active: false)
            }
        }
        link(&writer, url: next, label: "Next &raquo;", active: false)
        writer.endArray()
        writer.key("path"); writer.string(path)
        writer.key("per_page"); writer.int(perPage)
        writer.key("to"); if itemCount > 0 { writer.int(offset + itemCount) } else { writer.null() }
        writer.key("total"); writer.int(total)
        writer.endObject()
        writer.endObject()
    }

    private func link(_ writer: inout JSONWriter, url: String?, label: String, active: Bool) {
        writer.beginObject()
        writer.key("url"); writer.string(url)
        writer.key("label"); writer.string(label)
        writer.key("active"); writer.bool(active)
        writer.endObject()
    }
}
