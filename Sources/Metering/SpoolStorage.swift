/// Where the usage spool keeps its bytes: numbered append-only segments in a directory of the
/// gateway's own. Metering decides what goes where; the implementation only does the I/O.
///
/// ```swift
/// try storage.append(event.jsonLine, to: 7)   // a write(2) into the page cache
/// try storage.sync()                          // fsync, in groups, off the request path
/// let bytes = try storage.read(7); try storage.remove(7)
/// ```
public protocol SpoolStorage: Sendable {
    /// Segments an earlier process left, oldest first, with their sizes in bytes.
    func existingSegments() throws -> [(id: UInt64, bytes: Int)]
    /// Appends to segment `id`, creating it when new. Called on the request path, concurrently:
    /// it must only write into the page cache, never wait for the disk, and hold no lock across
    /// its system call.
    func append(_ bytes: [UInt8], to id: UInt64) throws
    /// Creates segment `id`, empty, before its first append: the usage writer calls it off the
    /// request path when it starts a new segment, so that appends do not create files (creating
    /// one takes the directory's lock, which the writer's removals and syncs also take: measured
    /// up to 2 ms on the request path). An append to a segment not created first still creates it.
    func create(_ id: UInt64) throws
    /// Makes every byte appended so far durable (fsync); segments before `current` are appended
    /// to no more and may be closed (later ones may still be appended to).
    func sync(current: UInt64) throws
    /// A whole segment's bytes.
    func read(_ id: UInt64) throws -> [UInt8]
    /// Deletes a segment whose events are all written to the store.
    func remove(_ id: UInt64) throws
}
