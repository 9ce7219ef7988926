import Contracts
import Foundation
import RoutingRules
import Development
import ServiceKit
import XCTest

/// Concrete routes of the catalog's plans through the fixture tree (HN and HCM; cells 1–5 of each
/// province sit in the đảng bộ bộ phận BP001 of CS001, 6–10 directly in CS001, 11–20 in CS002,
/// 51–55 in BP006 of CS006 under DU02; CS999 is directly under the province).
final class RoutePlannerTests: XCTestCase {
    let tree = OrganisationTree(OrganisationFixture.tree())
    let catalog = try! ProcedureCatalog.bundled()

    func route(_ procedure: String, from cell: String, to destination: String? = nil,
               form: [String: String] = [:]) throws -> [String] {
        let version = try XCTUnwrap(catalog.procedure(procedure, at: Date()))
        var form = form
        form["chiBoNoiDen"] = destination
        let ends = try RouteEnds(form: form, memberOrganisation: cell)
        return try RoutePlanner.plan(version.steps, ends: ends, tree: tree).map { "\($0.code)@\($0.organisationCode)" }
    }

    // Every official transfer issues the introduction letter with the dues line (GGT-CS, GGT or
    // GGT-T, needsDuesStatus), then the member presents it to the receiving side (XT-GGT, the
    // member's 30 working days); XL-MUON is taken only if the presentation was late.

    func testOfficialTransferInsideOneGrassrootsOrganisationHasItsLetterFromTheGrassrootsCommittee() throws {
        XCTAssertEqual(try route("CSHD.CHINHTHUC", from: "HN.CB0011", to: "HN.CB0012"),
                       ["XN-CB@HN.CB0011", "GGT-CS@HN.CS002", "XT-GGT@HN.CB0012", "XL-MUON@HN.CS002", "TN-CB@HN.CB0012"])
    }

    func testOfficialTransferOutOfASectionConfirmsAtTheSection() throws {
        XCTAssertEqual(try route("CSHD.CHINHTHUC", from: "HN.CB0001", to: "HN.CB0007"),
                       ["XN-CB@HN.CB0001", "XN-DBBP@HN.BP001", "GGT-CS@HN.CS001", "XT-GGT@HN.CB0007", "XL-MUON@HN.CS001", "TN-CB@HN.CB0007"])
    }

    func testOfficialTransferBetweenGrassrootsOrganisationsOfOneCommuneHasItsLetterFromTheCommune() throws {
        XCTAssertEqual(try route("CSHD.CHINHTHUC", from: "HN.CB0011", to: "HN.CB0007"), [
            "XN-CB@HN.CB0011", "NX-CS@HN.CS002", "GGT@HN.DU01", "XT-GGT@HN.CS001", "XL-MUON@HN.DU01", "TN-CS@HN.CS001", "TN-CB@HN.CB0007",
        ])
    }

    func testOfficialTransferBetweenCommunesOfOneProvinceGoesThroughBothSuperiors() throws {
        XCTAssertEqual(try route("CSHD.CHINHTHUC", from: "HN.CB0011", to: "HN.CB0051"), [
            "XN-CB@HN.CB0011", "NX-CS@HN.CS002", "GGT@HN.DU01", "XT-GGT@HN.DU02", "XL-MUON@HN.DU01",
            "TN-CT@HN.DU02", "TN-CS@HN.CS006", "TN-DBBP@HN.BP006", "TN-CB@HN.CB0051",
        ])
    }

    func testOfficialTransferToAnotherProvinceCrossesBothChains() throws {
        XCTAssertEqual(try route("CSHD.CHINHTHUC", from: "HN.CB0001", to: "HCM.CB0051"), [
            "XN-CB@HN.CB0001", "XN-DBBP@HN.BP001", "NX-CS@HN.CS001", "GGT@HN.DU01", "GGT-T@HN.BTC",
            "XT-GGT@HCM.BTC", "XL-MUON@HN.BTC",
            "TN-T@HCM.BTC", "TN-CT@HCM.DU02", "TN-CS@HCM.CS006", "TN-DBBP@HCM.BP006", "TN-CB@HCM.CB0051",
        ])
    }

    func testAGrassrootsOrganisationDirectlyUnderTheProvinceHasItsLetterFromTheOrganisationBoard() throws {
        let cell = try XCTUnwrap(tree.organisations.values.first { $0.parentCode == "HN.CS999" }?.code)
        // The board issues the letter once: the superior role resolves to it, the province step is not repeated.
        XCTAssertEqual(try route("CSHD.CHINHTHUC", from: cell, to: "HCM.CB0011"), [
            "XN-CB@\(cell)", "NX-CS@HN.CS999", "GGT@HN.BTC", "XT-GGT@HCM.BTC", "XL-MUON@HN.BTC",
            "TN-T@HCM.BTC", "TN-CT@HCM.DU01", "TN-CS@HCM.CS002", "TN-CB@HCM.CB0011",
        ])
    }

    /// Two cells of every shape of the fixture tree (section or not, grassroots, superior, province).
    func representativeCells() -> [String] {
        let cells = tree.organisations.values.filter { $0.kind == .cell }.sorted { $0.code < $1.code }
        var byShape: [String: [String]] = [:]
        for cell in cells {
            guard let chain = try? tree.chain(from: cell.code) else { continue }
            let shape = chain.dropFirst().map { "\($0.kind)" }.joined(separator: "/") + "|" + chain.dropFirst().prefix(2).map(\.code).joined(separator: "/")
            if byShape[shape, default: []].count < 2 { byShape[shape, default: []].append(cell.code) }
        }
        return byShape.values.flatMap { $0 }.sorted()
    }

    /// The deadline the member is shown (the published processing time limit, from official
    /// receipt) is the one the route meets: the organisations' step budgets of every route shape
    /// add up to at most the limit. The member's own time (presenting the letter, and the decision
    /// on a late presentation) is not the organisations' and is not counted.
    func testEveryRouteShapeFitsThePublishedLimit() throws {
        let cells = representativeCells()
        XCTAssertGreaterThan(cells.count, 10)
        var shapes = Set<[String]>()
        for code in ["CSHD.CHINHTHUC", "CSHD.TAMTHOI", "NHANXET.CUTRU", "DANGPHI"] {
            let version = try XCTUnwrap(catalog.procedure(code, at: Date()))
            for from in cells {
                for to in cells where to != from {
                    let ends = RouteEnds(memberCell: from, destinationCell: to, residenceCell: to,
                                         requestingOrganisation: nil)
                    let steps = try RoutePlanner.plan(version.steps, ends: ends, tree: tree,
                                                      presentationWorkingDays: version.presentWithinWorkingDaysOfIntroduction)
                    shapes.insert(steps.map(\.code))
                    let organisationsTime = steps.filter(\.countsTowardsLimit).map(\.workingDays).reduce(0, +)
                    XCTAssertLessThanOrEqual(organisationsTime, version.processingTimeLimit.workingDays,
                                             "\(code) \(from) → \(to): \(steps.map(\.code))")
                    if code == "CSHD.CHINHTHUC" {
                        XCTAssertEqual(steps.filter(\.needsDuesStatus).count >= 1, true, "\(from) → \(to) issues no letter")
                        let presentation = try XCTUnwrap(steps.first(where: \.isPresentation))
                        XCTAssertEqual(presentation.workingDays, version.presentWithinWorkingDaysOfIntroduction)
                        XCTAssertTrue(steps.prefix { !$0.isPresentation }.contains(where: \.needsDuesStatus),
                                      "the letter is issued before the member presents it")
                    }
                }
            }
        }
        XCTAssertGreaterThanOrEqual(shapes.count, 8, "the fixture tree covers the route shapes")
    }

    func testTemporaryTransferAndResidenceComments() throws {
        XCTAssertEqual(try route("CSHD.TAMTHOI", from: "HN.CB0011", to: "HCM.CB0003"),
                       ["XN-CB@HN.CB0011", "GGT@HN.CS002", "TN-CB@HCM.CB0003"])
        XCTAssertEqual(try route("NHANXET.CUTRU", from: "HN.CB0011", form: ["toChucDeNghi": "HN.CS002", "chiBoNoiCuTru": "HCM.CB0020"]),
                       ["DN@HN.CS002", "NX@HCM.CB0020", "LUU@HN.CS002"])
    }

    /// A plan whose presentation step has no letter before it (a misconfigured catalog) is not
    /// planned: the member would present nothing and a late presentation would go to nobody.
    func testAPresentationWithoutALetterIsNotPlanned() throws {
        let steps = try JSONDecoder().decode([ProcedureVersion.Step].self, from: Data("""
            [{"code": "XN-CB", "name": "Chi bộ xác nhận", "organisationRole": "member-chi-bo", "action": "confirm", "workingDays": 1},
             {"code": "XT-GGT", "name": "Xuất trình", "organisationRole": "receiving-first-organisation", "action": "present-letter", "workingDays": 30},
             {"code": "TN-CB", "name": "Chi bộ tiếp nhận", "organisationRole": "receiving-chi-bo", "action": "accept", "workingDays": 1}]
            """.utf8))
        XCTAssertThrowsError(try RoutePlanner.plan(steps, ends: RouteEnds(memberCell: "HN.CB0011", destinationCell: "HN.CB0012"), tree: tree)) {
            XCTAssertEqual($0 as? RoutePlanError, .missingLetter("XT-GGT"))
        }
    }

    func testUnknownOrganisationsAndMissingDestinationAreReported() throws {
        XCTAssertThrowsError(try route("CSHD.CHINHTHUC", from: "HN.CB0011", to: "XX.CB0001")) {
            XCTAssertEqual($0 as? RoutePlanError, .unknownOrganisation("XX.CB0001"))
        }
        XCTAssertThrowsError(try route("CSHD.CHINHTHUC", from: "ZZ.CB0001", to: "HN.CB0011")) {
            XCTAssertEqual($0 as? RoutePlanError, .unknownOrganisation("ZZ.CB0001"))
        }
        XCTAssertThrowsError(try route("CSHD.CHINHTHUC", from: "HN.CB0011")) {
            XCTAssertEqual($0 as? RoutePlanError, .missingField("chiBoNoiDen"))
        }
    }
}
