#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Metering
import Synchronization

/// The usage spool's segments as files `usage-<id>.spool` in a directory of their own, which one
/// process holds at a time (an exclusive `flock` on its `LOCK` file, released when the process
/// ends however it ends).
///
/// Appends are plain `write(2)` calls on files opened with `O_APPEND` (each is atomic), made with
/// no lock held: the lock only guards the table of open descriptors, and no system call runs under
/// it. `sync` fsyncs every open file, and the directory when files were created or removed. A
/// descriptor is closed only once the recorder says its segment is appended to no more.
public final class FileSpoolStorage: SpoolStorage {
    public let directory: String
    private struct Files {
        /// Open descriptors by segment; those before the oldest still appended to close at the next sync.
        var open: [UInt64: Int32] = [:]
        var directoryChanged = false
    }

    private let files = Mutex(Files())
    private let lockDescriptor: Int32
    private let directoryDescriptor: Int32

    /// Opens (creating it, mode 0700) and locks the spool directory.
    public init(directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let lock = open(directory + "/LOCK", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw SpoolError("cannot open \(directory)/LOCK", errno: errno) }
        guard flock(lock, LOCK_EX | LOCK_NB) == 0 else {
            close(lock)
            throw SpoolError("the usage spool \(directory) is in use by another Tollgate process; give each replica its own --data-dir", errno: nil)
        }
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryFD >= 0 else {
            close(lock)
            throw SpoolError("cannot open \(directory)", errno: errno)
        }
        lockDescriptor = lock
        directoryDescriptor = directoryFD
    }

    deinit {
        files.withLock { files in
            for descriptor in files.open.values { close(descriptor) }
        }
        close(directoryDescriptor)
        close(lockDescriptor)
    }

    func path(_ id: UInt64) -> String {
        directory + "/usage-" + String(id) + ".spool"
    }

    public func existingSegments() throws -> [(id: UInt64, bytes: Int)] {
        try FileManager.default.contentsOfDirectory(atPath: directory).compactMap { name -> (UInt64, Int)? in
            guard name.hasPrefix("usage-"), name.hasSuffix(".spool"),
                  let id = UInt64(name.dropFirst("usage-".count).dropLast(".spool".count))
            else { return nil }
            let size = try FileManager.default.attributesOfItem(atPath: directory + "/" + name)[.size] as? Int ?? 0
            return (id, size)
        }.sorted { $0.0 < $1.0 }
    }

    public func append(_ bytes: [UInt8], to id: UInt64) throws {
        let descriptor = try self.descriptor(id)
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw SpoolError("cannot append to \(path(id))", errno: errno)
                }
                offset += written
            }
        }
    }

    public func create(_ id: UInt64) throws {
        _ = try descriptor(id)
    }

    /// Segment `id`'s descriptor, opening (creating) the file on first use outside the lock.
    private func descriptor(_ id: UInt64) throws -> Int32 {
        if let known = files.withLock({ $0.open[id] }) { return known }
        let opened = open(path(id), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard opened >= 0 else { throw SpoolError("cannot create \(path(id))", errno: errno) }
        let (descriptor, spare) = files.withLock { files -> (Int32, Int32?) in
            // Another append may have opened it meanwhile: keep one descriptor.
            if let raced = files.open[id] { return (raced, opened) }
            files.open[id] = opened
            files.directoryChanged = true
            return (opened, nil)
        }
        if let spare { close(spare) }
        return descriptor
    }

    public func sync(current: UInt64) throws {
        let (toSync, toClose, syncDirectory) = files.withLock { files -> ([Int32], [Int32], Bool) in
            let closing = files.open.filter { $0.key < current }
            let toSync = Array(files.open.values)
            for id in closing.keys { files.open[id] = nil }
            defer { files.directoryChanged = false }
            return (toSync, Array(closing.values), files.directoryChanged)
        }
        var failure: (any Error)?
        for descriptor in toSync where fsync(descriptor) != 0 {
            failure = SpoolError("fsync of the usage spool failed", errno: errno)
        }
        if syncDirectory && fsync(directoryDescriptor) != 0 {
            failure = SpoolError("fsync of \(directory) failed", errno: errno)
        }
        for descriptor in toClose { close(descriptor) }
        if let failure { throw failure }
    }

    public func read(_ id: UInt64) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path(id)) else {
            throw SpoolError("cannot read \(path(id))", errno: nil)
        }
        return [UInt8](data)
    }

    public func remove(_ id: UInt64) throws {
        _ = files.withLock { files -> Int32? in
            files.directoryChanged = true
            return files.open.removeValue(forKey: id)
        }.map { close($0) }
        guard unlink(path(id)) == 0 || errno == ENOENT else {
            throw SpoolError("cannot remove \(path(id))", errno: errno)
        }
    }
}

/// A spool file operation that failed, with the system's reason.
struct SpoolError: Error, CustomStringConvertible {
    let description: String

    init(_ message: String, errno code: Int32?) {
        description = code.map { message + ": " + String(cString: strerror($0)) } ?? message
    }
}
