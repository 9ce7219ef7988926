import CLibPQ
import Foundation
import Logging

/// A PostgreSQL error with its SQLSTATE, classified as transient (worth retrying) or not.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public let sqlState: String?
    public let message: String
    /// The connection itself failed (not a statement): the caller must reconnect.
    public let connectionLost: Bool

    public var description: String {
        "PostgreSQL error\(sqlState.map { " \($0)" } ?? ""): \(message)"
    }

    /// Errors that can succeed when tried again: lost connections, serialization failures,
    /// deadlocks, lock timeouts, server shutting down or out of resources.
    public var isTransient: Bool {
        if connectionLost { return true }
        guard let state = sqlState else { return false }
        return state.hasPrefix("08") || state == "40001" || state == "40P01" || state == "55P03"
            || state.hasPrefix("57P") || state.hasPrefix("53")
    }

    /// Refused because of the values themselves (class 22 data exception, 23 integrity constraint,
    /// 54 program limit such as an over-long index key): the same values fail every time.
    public var isCausedByTheData: Bool {
        guard let state = sqlState else { return false }
        return state.hasPrefix("22") || state.hasPrefix("23") || state.hasPrefix("54")
    }

    public var isUniqueViolation: Bool { sqlState == "23505" }

    /// A unique or exclusion violation: the values' fault, or two writers racing for one key.
    public var isConflictBetweenWriters: Bool { sqlState == "23505" || sqlState == "23P01" }
    public var isPermissionDenied: Bool { sqlState == "42501" }
}

/// One libpq connection. Not thread-safe: each thread (consumer, relay) owns its own.
/// Statements are always parameterised (`$1`, `$2`...); values travel separately from SQL text.
public final class PostgresConnection {
    private var handle: OpaquePointer?
    public let url: String
    /// Runs after every (re)connect, e.g. to set `search_path`.
    private let setupStatements: [String]
    /// Statements prepared on this session, by SQL text: parsed and planned once, not per call.
    private var prepared: [String: String] = [:]
    /// Inside `transaction`: BEGIN not sent yet, and the deferred writes not sent yet.
    private var beginPending = false
    private var insideTransactionBody = false
    private var deferred: [Statement] = []

    public init(url: String, setupStatements: [String] = []) throws {
        self.url = url
        self.setupStatements = setupStatements
        try connect()
    }

    deinit { if let handle { PQfinish(handle) } }

    private func connect() throws {
        if let handle { PQfinish(handle) }
        prepared.removeAll()
        handle = PQconnectdb(url)
        guard let handle, PQstatus(handle) == CONNECTION_OK else {
            let message = handle.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            if let handle { PQfinish(handle) }
            self.handle = nil
            throw PostgresError(sqlState: nil, message: message.trimmingCharacters(in: .whitespacesAndNewlines),
                                connectionLost: true)
        }
        for statement in setupStatements { try execute(statement) }
    }

    /// True when the connection is usable; reconnects when it was lost.
    public func ensureConnected() throws {
        if handle == nil || PQstatus(handle) != CONNECTION_OK { try connect() }
    }

    public var isConnected: Bool { handle != nil && PQstatus(handle) == CONNECTION_OK }

    public var inTransaction: Bool {
        guard let handle else { return false }
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    /// Runs one statement with text parameters and returns its rows. In a transaction, BEGIN and
    /// the deferred writes not yet sent travel with it: one round trip for all.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) throws -> QueryResult {
        try pipeline(withPending(Statement(sql: sql, parameters: parameters))).last!
    }

    /// `last` preceded by what the transaction has not sent yet (BEGIN, deferred writes), which
    /// then counts as sent.
    private func withPending(_ last: Statement) -> [Statement] {
        let statements = (beginPending ? [Statement(sql: "BEGIN")] : []) + deferred + [last]
        beginPending = false
        deferred = []
        return statements
    }

    /// A write whose result the caller does not need (an insert of rows, an update by key): in a
    /// transaction it is sent with the next statement or with COMMIT, in the same round trip, so
    /// later statements see it. Its error surfaces there, and the transaction rolls back. Only
    /// for statements whose failure nobody catches alone. Outside a transaction it runs at once.
    public func executeDeferred(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) throws {
        guard insideTransactionBody else {
            try execute(sql, parameters)
            return
        }
        deferred.append(Statement(sql: sql, parameters: parameters))
    }

    struct Statement {
        var sql: String
        var parameters: [(any PostgresEncodable)?] = []
    }

    /// Sends the statements in one round trip (libpq's pipeline mode) and returns their results.
    /// The first failure is thrown; the server skipped those after it (and aborted a transaction).
    /// Anything that goes wrong once the first statement is sent, other than a statement's own
    /// error, closes the connection: results could no longer be matched to statements.
    private func pipeline(_ statements: [Statement]) throws -> [QueryResult] {
        guard let handle else { throw PostgresError(sqlState: nil, message: "not connected", connectionLost: true) }
        guard PQpipelineStatus(handle) == PQ_PIPELINE_OFF else { throw abandon(handle, "connection left in pipeline mode") }
        // Everything that can fail on our side (a NUL in a parameter, a prepare) fails before sending.
        let parameters = try statements.map { try CParameters($0.parameters.map { $0?.postgresText }) }
        let names = try zip(statements, parameters).map { try preparedName(for: $0.sql, parameterCount: $1.count, handle: handle) }
        let pipelined = statements.count > 1
        if pipelined { guard PQenterPipelineMode(handle) == 1 else { throw abandon(handle, "cannot enter pipeline mode") } }
        for (index, statement) in statements.enumerated() {
            let sent = parameters[index].withValues { values in
                if let name = names[index] {
                    PQsendQueryPrepared(handle, name, Int32(parameters[index].count), values, nil, nil, 0)
                } else {
                    PQsendQueryParams(handle, statement.sql, Int32(parameters[index].count), nil, values, nil, nil, 0)
                }
            }
            guard sent == 1 else { throw abandon(handle, "sending a statement failed") }
        }
        if pipelined { guard PQpipelineSync(handle) == 1 else { throw abandon(handle, "sending the sync failed") } }
        var results: [QueryResult] = []
        var failure: PostgresError?
        for _ in statements {
            guard let result = PQgetResult(handle) else { throw abandon(handle, "a statement's result is missing") }
            let status = PQresultStatus(result)
            if status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK {
                results.append(QueryResult(result))
            } else if failure == nil {
                failure = resultError(result, handle: handle)
            }
            PQclear(result)
            while let extra = PQgetResult(handle) { PQclear(extra) }  // the NULL that ends each statement's results
        }
        if pipelined {
            guard let sync = PQgetResult(handle) else { throw abandon(handle, "the pipeline's sync is missing") }
            let synced = PQresultStatus(sync) == PGRES_PIPELINE_SYNC
            PQclear(sync)
            guard synced, PQexitPipelineMode(handle) == 1 else { throw abandon(handle, "the pipeline did not end cleanly") }
        }
        if let failure { throw failure }
        return results
    }

    /// Closes a connection whose protocol state is unknown; the caller reconnects.
    private func abandon(_ handle: OpaquePointer, _ what: String) -> PostgresError {
        let error = PostgresError(sqlState: nil, message: "\(what): \(String(cString: PQerrorMessage(handle)))", connectionLost: true)
        close()
        return error
    }

    private func connectionError(_ handle: OpaquePointer) -> PostgresError {
        PostgresError(sqlState: nil, message: String(cString: PQerrorMessage(handle)),
                      connectionLost: PQstatus(handle) != CONNECTION_OK)
    }

    private func resultError(_ result: OpaquePointer, handle: OpaquePointer) -> PostgresError {
        let sqlState = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
        let message = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
            ?? String(cString: PQerrorMessage(handle))
        return PostgresError(sqlState: sqlState, message: message, connectionLost: PQstatus(handle) != CONNECTION_OK)
    }

    /// The name of `sql` prepared on this session, preparing it on first use. Only plannable
    /// statements are prepared; BEGIN, SET and the like go through the unnamed statement.
    private func preparedName(for sql: String, parameterCount: Int, handle: OpaquePointer) throws -> String? {
        if let name = prepared[sql] { return name }
        let head = sql.drop(while: { $0 == " " || $0 == "\n" }).prefix(6).uppercased()
        guard ["SELECT", "INSERT", "UPDATE", "DELETE", "WITH "].contains(where: { head.hasPrefix($0) }) else { return nil }
        let name = "tthc_\(prepared.count + 1)"
        guard let result = PQprepare(handle, name, sql, Int32(parameterCount), nil) else { throw connectionError(handle) }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else { throw resultError(result, handle: handle) }
        prepared[sql] = name
        return name
    }

    /// Runs a script of several statements (a migration) with the simple query protocol.
    /// Never with input: scripts take no parameters.
    public func executeScript(_ sql: String) throws {
        if beginPending || !deferred.isEmpty { try execute("SELECT 1") }  // BEGIN and deferred writes first
        guard let handle else { throw PostgresError(sqlState: nil, message: "not connected", connectionLost: true) }
        guard let result = PQexec(handle, sql) else {
            throw PostgresError(sqlState: nil, message: String(cString: PQerrorMessage(handle)),
                                connectionLost: PQstatus(handle) != CONNECTION_OK)
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK || status == PGRES_EMPTY_QUERY else {
            throw PostgresError(
                sqlState: PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) },
                message: String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines),
                connectionLost: PQstatus(handle) != CONNECTION_OK)
        }
    }

    /// Runs `body` in a transaction: commit when it returns, roll back when it throws. BEGIN is
    /// sent with the first statement and the deferred writes left with COMMIT, so a transaction
    /// costs no round trip of its own (a body that ran nothing costs none at all).
    public func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        precondition(!insideTransactionBody, "transactions do not nest")
        beginPending = true
        insideTransactionBody = true
        defer {
            beginPending = false
            insideTransactionBody = false
            deferred = []
        }
        do {
            let value = try body(self)
            if beginPending && deferred.isEmpty { return value }
            let results = try pipeline(withPending(Statement(sql: "COMMIT")))
            // A COMMIT in a transaction the server had already aborted answers ROLLBACK.
            if results.last?.commandTag == "ROLLBACK" {
                throw PostgresError(sqlState: "40000", message: "transaction was rolled back at commit", connectionLost: false)
            }
            return value
        } catch {
            rollbackQuietly()
            throw error
        }
    }

    /// Rolls back an open transaction, ignoring failures (the connection may be gone).
    public func rollbackQuietly() {
        beginPending = false
        deferred = []
        if isConnected && inTransaction { _ = try? pipeline([Statement(sql: "ROLLBACK")]) }
    }

    public func close() {
        if let handle { PQfinish(handle) }
        handle = nil
    }
}

/// A statement's text parameters as C strings, checked: libpq takes them NUL-terminated, so a NUL
/// inside a value would silently cut it short.
private final class CParameters {
    private let strings: [UnsafeMutablePointer<CChar>?]
    var count: Int { strings.count }

    init(_ texts: [String?]) throws {
        var strings: [UnsafeMutablePointer<CChar>?] = []
        for (index, text) in texts.enumerated() {
            let copy = text.flatMap { strdup($0) }
            strings.append(copy)
            if let text, let copy, strlen(copy) != text.utf8.count {
                strings.forEach { free($0) }
                throw PostgresError(sqlState: "22021", message: "parameter $\(index + 1) holds a NUL character, which text cannot store",
                                    connectionLost: false)
            }
        }
        self.strings = strings
    }

    deinit { strings.forEach { free($0) } }

    func withValues<R>(_ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
        guard !strings.isEmpty else { return body(nil) }
        return strings.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) { body($0) }
        }
    }
}
