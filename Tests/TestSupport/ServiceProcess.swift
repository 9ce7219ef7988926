import Foundation

/// A service executable run as a child process, as ops would run it.
public final class ServiceProcess: @unchecked Sendable {
    public let name: String
    public let httpPort: Int
    let process = Process()
    let logURL: URL

    /// Starts `tthc-<name>` with its own HTTP port and extra environment.
    public init(_ name: String, httpPort: Int, environment: [String: String] = [:]) throws {
        self.name = name
        self.httpPort = httpPort
        process.executableURL = TestEnvironment.binDirectory.appendingPathComponent("tthc-\(name)")
        var env = ProcessInfo.processInfo.environment
        env["TTHC_HTTP_PORT"] = String(httpPort)
        env["TTHC_HTTP_HOST"] = "127.0.0.1"
        env["TTHC_LOG_LEVEL"] = env["TTHC_TEST_LOG_LEVEL"] ?? "notice"
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let logDir = FileManager.default.temporaryDirectory.appendingPathComponent("tthc-test-logs")
        try FileManager.default.createDirectory(at: logDir, withIntermediateDirectories: true)
        logURL = logDir.appendingPathComponent("\(name)-\(httpPort)-\(UUID().uuidString.prefix(8)).log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    public var isRunning: Bool { process.isRunning }
    public var pid: Int32 { process.processIdentifier }

    /// Waits until `/health/ready` answers 200.
    public func waitUntilReady(timeout: TimeInterval = 60) throws {
        try TestEnvironment.eventually(timeout: timeout, interval: 0.1, "\(name) ready") {
            guard process.isRunning else { throw ProcessExited(name: name, status: process.terminationStatus, log: log()) }
            return HTTPProbe.status("http://127.0.0.1:\(httpPort)/health/ready") == 200
        }
    }

    /// SIGTERM, then the exit status (waits up to `timeout`).
    @discardableResult
    public func terminate(timeout: TimeInterval = 60) throws -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        try TestEnvironment.eventually(timeout: timeout, "\(name) to exit") { !process.isRunning }
        return process.terminationStatus
    }

    /// SIGKILL: no cleanup, like a crash.
    public func kill9() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    public var terminationReason: Process.TerminationReason { process.terminationReason }
    public var terminationStatus: Int32 { process.terminationStatus }

    public func log() -> String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// Runs a command to completion; returns its exit status and what it printed (stdout and stderr).
public func runCommand(_ executable: URL, _ arguments: [String], environment: [String: String] = [:],
                       directory: URL? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = directory
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, output)
}

public struct ProcessExited: Error, CustomStringConvertible {
    public let name: String
    public let status: Int32
    public let log: String
    public init(name: String, status: Int32, log: String) {
        self.name = name
        self.status = status
        self.log = log
    }
    public var description: String { "\(name) exited with \(status):\n\(log.suffix(3000))" }
}

/// A tiny HTTP GET over a socket-free path: curl is on every machine the tests run on.
public enum HTTPProbe {
    public static func status(_ url: String) -> Int? {
        get(url)?.status
    }

    public static func get(_ url: String, headers: [String: String] = [:]) -> (status: Int, body: String)? {
        request(["-m", "5", url] + headers.flatMap { ["-H", "\($0.key): \($0.value)"] })
    }

    /// Where a GET is redirected to (the `Location` of a 3xx), without following it.
    public static func redirect(_ url: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "-o", "/dev/null", "-m", "5", "-w", "%{redirect_url}", url]
        let pipe = Pipe()
        process.standardOutput = pipe
        guard (try? process.run()) != nil else { return nil }
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text.isEmpty ? nil : text
    }

    /// POSTs `body` with the given headers.
    public static func post(_ url: String, headers: [String: String], body: String) -> (status: Int, body: String)? {
        request(["-m", "10", "-X", "POST", url, "--data-binary", body] + headers.flatMap { ["-H", "\($0.key): \($0.value)"] })
    }

    static func request(_ arguments: [String]) -> (status: Int, body: String)? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "-w", "\n%{http_code}"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard let newline = text.lastIndex(of: "\n"), let code = Int(text[text.index(after: newline)...]) else { return nil }
        return (code, String(text[..<newline]))
    }
}
