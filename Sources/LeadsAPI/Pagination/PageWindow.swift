/// Laravel's UrlWindow with `onEachSide` 3: which page numbers `meta.links` shows.
public enum PageWindow {
    public enum Element: Equatable, Sendable {
        case page(Int)
        case gap
    }

    public static func elements(current: Int, last: Int) -> [Element] {
        let onEachSide = 3
        let window = onEachSide + 4
        if last < onEachSide * 2 + 8 { return pages(1, last) }
        if current <= window {
            return pages(1, window + onEachSide) + [.gap] + pages(last - 1, last)
        }
        if current > last - window {
            return pages(1, 2) + [.gap] + pages(last - (window + onEachSide - 1), last)
        }
        return pages(1, 2) + [.gap] + pages(current - onEachSide, current + onEachSide) + [.gap] + pages(last - 1, last)
    }

    private static func pages(_ from: Int, _ to: Int) -> [Element] {
        guard from <= to else { return [] }
        return (from...to).map { .page($0) }
    }
}
