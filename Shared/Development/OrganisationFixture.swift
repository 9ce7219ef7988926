import Contracts
import Foundation

/// A generated party organisation tree (DOMAIN §12, after the 2025 reform) for development, the
/// benchmark and the tests. Per province: the provincial committee and its organisation board,
/// directly-superior committees (`<P>.DU01`…, communes/wards), grassroots organisations under them
/// (`<P>.CS001`…, the first of each with a đảng bộ bộ phận `<P>.BP001`…), one grassroots
/// organisation directly under the province (`<P>.CS999`), and cells numbered across the province
/// (`<P>.CB0001`…) as `MemberFixture` places members (25 to a cell).
public enum OrganisationFixture {
    public static let central = OrganisationRecord(code: "TW", kind: .central, name: "Ban Chấp hành Trung ương", parentCode: nil)

    public struct Shape: Sendable {
        public var superiors = 4
        public var grassrootsPerSuperior = 5
        public var cellsPerGrassroots = 10
        public init(superiors: Int = 4, grassrootsPerSuperior: Int = 5, cellsPerGrassroots: Int = 10) {
            self.superiors = superiors
            self.grassrootsPerSuperior = grassrootsPerSuperior
            self.cellsPerGrassroots = cellsPerGrassroots
        }
    }

    /// Every organisation of `provinces` (parents before children), the Centre first.
    public static func tree(provinces: [String] = MemberFixture.provinces.map(\.code), shape: Shape = Shape(),
                            softwareUser: String? = nil) -> [OrganisationRecord] {
        var all = [central]
        for province in provinces {
            func add(_ code: String, _ kind: OrganisationRecord.Kind, _ name: String, parent: String, board: String? = nil) {
                all.append(OrganisationRecord(
                    code: code, kind: kind, name: name, parentCode: parent,
                    contact: .init(email: "vanphong.\(code.lowercased())@dang.vn", phone: "024380\(String(format: "%05d", all.count % 100_000))"),
                    officeHours: ["07:30-11:30", "13:00-17:00"], boardCode: board, softwareUser: softwareUser))
            }
            add(province, .province, "Đảng bộ tỉnh/thành phố \(province)", parent: central.code, board: "\(province).BTC")
            add("\(province).BTC", .organisationBoard, "Ban Tổ chức Tỉnh ủy \(province)", parent: province)
            var cell = 0
            func addCells(_ count: Int, parent: String) {
                for _ in 0..<count {
                    cell += 1
                    add(String(format: "%@.CB%04d", province, cell), .cell, "Chi bộ số \(cell)", parent: parent)
                }
            }
            var grassroots = 0
            for s in 1...shape.superiors {
                let superior = String(format: "%@.DU%02d", province, s)
                add(superior, .superior, "Đảng ủy phường \(s)", parent: province)
                for g in 1...shape.grassrootsPerSuperior {
                    grassroots += 1
                    let code = String(format: "%@.CS%03d", province, grassroots)
                    add(code, .grassroots, "Đảng bộ cơ sở số \(grassroots)", parent: superior)
                    if g == 1 {
                        // Half of this grassroots organisation's cells sit in a đảng bộ bộ phận.
                        let section = String(format: "%@.BP%03d", province, grassroots)
                        add(section, .section, "Đảng bộ bộ phận số \(grassroots)", parent: code)
                        addCells(shape.cellsPerGrassroots / 2, parent: section)
                        addCells(shape.cellsPerGrassroots - shape.cellsPerGrassroots / 2, parent: code)
                    } else {
                        addCells(shape.cellsPerGrassroots, parent: code)
                    }
                }
            }
            add("\(province).CS999", .grassroots, "Đảng bộ khối cơ quan trực thuộc Tỉnh ủy", parent: province)
            addCells(2, parent: "\(province).CS999")
        }
        return all
    }
}
