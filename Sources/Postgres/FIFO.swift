/// A first-in first-out queue with O(1) append and pop, for batches waiting or in flight.
///
/// Popped slots are reclaimed in bulk once they make up half the storage, so a long-lived
/// pipeline does not grow without bound and does not shift the array on every pop.
struct FIFO<Element>: Sequence {
    private var storage: [Element?] = []
    private var head = 0

    var count: Int { storage.count - head }
    var isEmpty: Bool { head == storage.count }
    var first: Element? { head < storage.count ? storage[head] : nil }

    mutating func append(_ element: Element) {
        storage.append(element)
    }

    mutating func popFirst() -> Element? {
        guard head < storage.count else { return nil }
        let element = storage[head]
        storage[head] = nil
        head += 1
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64, head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return element
    }

    /// Empties the queue, returning what it held in order.
    mutating func removeAll() -> [Element] {
        let elements = Array(self)
        storage.removeAll()
        head = 0
        return elements
    }

    /// Removes the elements that match, keeping the order of the rest.
    mutating func removeAll(where shouldRemove: (Element) -> Bool) -> [Element] {
        var removed: [Element] = []
        var kept: [Element?] = []
        kept.reserveCapacity(count)
        for element in self {
            if shouldRemove(element) { removed.append(element) } else { kept.append(element) }
        }
        storage = kept
        head = 0
        return removed
    }

    func makeIterator() -> some IteratorProtocol<Element> {
        storage[head...].lazy.compactMap { $0 }.makeIterator()
    }
}
