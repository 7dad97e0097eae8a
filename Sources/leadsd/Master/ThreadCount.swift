#if canImport(Glibc)
import Glibc
#endif

/// The number of threads of this process (entries of /proc/self/task). The master checks it
/// is 1 before every fork: a second thread could hold a lock the child then never gets.
enum ThreadCount {
    static func current() -> Int {
        guard let directory = opendir("/proc/self/task") else { return -1 }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let first = withUnsafeBytes(of: entry.pointee.d_name) { $0[0] }
            if first != UInt8(ascii: ".") { count += 1 }
        }
        return count
    }

    /// `LEADSD_TEST_REPORT_THREADS=FILE`: append the count before each fork, for the test
    /// that proves the master is single-threaded.
    static func reportBeforeFork() {
        guard let path = getenv("LEADSD_TEST_REPORT_THREADS") else { return }
        guard let file = fopen(path, "a") else { return }
        fputs("\(current())\n", file)
        fclose(file)
    }
}
