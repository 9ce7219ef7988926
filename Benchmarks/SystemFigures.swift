import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Persistence

/// What the running system spent on one benchmark run, per dossier: CPU of every process group
/// (services, broker, database; from /proc), row writes per schema (PostgreSQL's statistics), and
/// per service the transactions committed, deliveries consumed, messages published and the mean
/// time of each hop's parts (relay lag: commit → confirmed publish; queue wait: publish → delivery;
/// handler time), from each service's /metrics. A snapshot before and one after; the difference is printed.
struct SystemSnapshot {
    /// Clock ticks of CPU per process group (`rabbitmq`, `postgresql`, `intake`, …).
    var cpuTicks: [String: Int] = [:]
    /// Rows inserted, updated and deleted per schema.
    var rowWrites: [String: [Int]] = [:]
    /// Per service: metric name (labels summed) → value.
    var metrics: [String: [String: Double]] = [:]

    /// Starts PostgreSQL's statement statistics afresh (when `pg_stat_statements` is installed).
    static func resetStatements(db: PostgresConnection) -> Bool {
        (try? db.execute("SELECT pg_stat_statements_reset()")) != nil
    }

    /// The statements that took the most database time since the reset, per dossier.
    static func reportStatements(db: PostgresConnection, dossiers: Int, print: (String) -> Void) throws {
        let n = Double(max(dossiers, 1))
        print("PostgreSQL statements by total time (ms per dossier, calls per dossier, rows per call):")
        for row in try db.execute("""
            SELECT r.rolname, s.calls, s.rows, s.total_exec_time, regexp_replace(left(s.query, 110), '\\s+', ' ', 'g') AS query
            FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid
            ORDER BY s.total_exec_time DESC LIMIT 15
            """).rows {
            let calls = Double(try row.int("calls"))
            print(String(format: "  %6.3f ms %6.2f calls %6.1f rows  ", (Double(try row.string("total_exec_time")) ?? 0) / n,
                         calls / n, Double(try row.int("rows")) / max(calls, 1))
                  + (try row.string("rolname")).padding(toLength: 13, withPad: " ", startingAt: 0) + (try row.string("query")))
        }
    }

    static let services = ["intake": 8081, "validation": 8082, "routing": 8083, "payment": 8084, "notification": 8085,
                           "archive": 8086]

    static func take(db: PostgresConnection) throws -> SystemSnapshot {
        var snapshot = SystemSnapshot()
        snapshot.cpuTicks = cpu()
        for row in try db.execute("""
            SELECT schemaname, sum(n_tup_ins)::bigint AS ins, sum(n_tup_upd)::bigint AS upd, sum(n_tup_del)::bigint AS del
            FROM pg_stat_user_tables WHERE schemaname = ANY($1::text[]) GROUP BY schemaname
            """, [PostgresArray(Array(services.keys))]).rows {
            snapshot.rowWrites[try row.string("schemaname")] = [try row.int("ins"), try row.int("upd"), try row.int("del")]
        }
        for (service, port) in services {
            guard let text = fetch("http://127.0.0.1:\(port)/metrics") else { continue }
            snapshot.metrics[service] = parse(text)
        }
        return snapshot
    }

    /// CPU ticks (user + system, with exited children) per process group; the bench itself is not counted.
    static func cpu() -> [String: Int] {
        var ticks: [String: Int] = [:]
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { Int($0) != nil } ?? []
        for pid in pids {
            guard let line = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let open = line.firstIndex(of: "("), let close = line.lastIndex(of: ")") else { continue }
            let command = String(line[line.index(after: open)..<close])
            let group: String
            switch command {
            case "tthc-bench": continue
            case "beam.smp": group = "rabbitmq"
            case "postgres": group = "postgresql"
            case let name where name.hasPrefix("tthc-"): group = String(name.dropFirst(5))
            default: continue
            }
            // After "(comm) ": state is field 0; utime 11, stime 12, cutime 13, cstime 14.
            let fields = line[line.index(close, offsetBy: 2)...].split(separator: " ")
            guard fields.count > 14 else { continue }
            ticks[group, default: 0] += (11...14).reduce(0) { $0 + (Int(fields[$1]) ?? 0) }
        }
        return ticks
    }

    static func fetch(_ url: String) -> String? {
        guard let url = URL(string: url) else { return nil }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var body: String?
        URLSession.shared.dataTask(with: url) { data, _, _ in
            body = data.map { String(decoding: $0, as: UTF8.self) }
            done.signal()
        }.resume()
        _ = done.wait(timeout: .now() + 5)
        return body
    }

    /// Prometheus text: each sample's value added to its metric name's total (labels summed).
    static func parse(_ text: String) -> [String: Double] {
        var totals: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let name = line[..<space].prefix { $0 != "{" && $0 != " " }
            totals[String(name), default: 0] += value
        }
        return totals
    }

    /// The figures of the run between `before` and `after`, for `dossiers` dossiers.
    static func report(from before: SystemSnapshot, to after: SystemSnapshot, dossiers: Int, print: (String) -> Void) {
        let n = Double(max(dossiers, 1))
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        print("CPU ms per dossier:")
        var all = 0.0
        for group in after.cpuTicks.keys.sorted() {
            let ms = Double(after.cpuTicks[group]! - (before.cpuTicks[group] ?? 0)) * 1000 / hz / n
            all += ms
            print("  " + group.padding(toLength: 14, withPad: " ", startingAt: 0) + String(format: "%6.2f", ms))
        }
        print("  " + "all".padding(toLength: 14, withPad: " ", startingAt: 0) + String(format: "%6.2f", all))
        print("per dossier          commits  inserts  updates  deletes  consumed published   (mean) relay lag  queue wait    handler")
        for service in services.keys.sorted() {
            let rows = zip(after.rowWrites[service] ?? [0, 0, 0], before.rowWrites[service] ?? [0, 0, 0]).map { Double($0 - $1) / n }
            let m = after.metrics[service] ?? [:], b = before.metrics[service] ?? [:]
            func delta(_ name: String) -> Double { (m[name] ?? 0) - (b[name] ?? 0) }
            func mean(_ name: String) -> String {
                let count = delta("\(name)_count")
                return count > 0 ? String(format: "%8.1f ms", delta("\(name)_sum") / count * 1000) : "         -"
            }
            print("  " + service.padding(toLength: 14, withPad: " ", startingAt: 0) + String(format: "%11.2f %8.2f %8.2f %8.2f %9.2f %9.2f   %@  %@  %@",
                         delta("tthc_transactions_total") / n, rows[0], rows[1], rows[2],
                         delta("tthc_messages_consumed_total") / n, delta("tthc_messages_published_total") / n,
                         mean("tthc_relay_lag_seconds"), mean("tthc_queue_wait_seconds"), mean("tthc_handler_duration_seconds")))
        }
    }
}

extension EndToEndBenchmark {
    /// Resident memory of each running tthc-* process, from /proc.
    func serviceMemory() -> [(String, Int)] {
        runningServices().compactMap { service in
            guard let status = try? String(contentsOfFile: "/proc/\(service.pid)/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
                  let kb = Int(line.split(separator: " ").dropFirst().first ?? "")
            else { return nil }
            return ("\(service.name)[\(service.pid)]", kb)
        }.sorted { $0.0 < $1.0 }
    }

    /// Running tthc-* service processes, from /proc.
    func runningServices() -> [(name: String, pid: Int32)] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry in
            guard let pid = Int32(entry),
                  let name = try? String(contentsOfFile: "/proc/\(entry)/comm", encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines),
                  name.hasPrefix("tthc-"), name != "tthc-bench"
            else { return nil }
            return (name, pid)
        }
    }
}
