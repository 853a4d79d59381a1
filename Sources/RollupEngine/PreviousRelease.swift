/// The versions the previous release's shipped model files recorded in `rollup_models` (the MD5 of their
/// header and statement, as `RollupModel.versions` computed them then). A table whose recorded version is
/// one of these holds exactly what that file computed, so the engine may take it over without a rebuild
/// when the new file computes the same columns; a table an analyst's edited file produced has another
/// version, and is rebuilt.
enum PreviousRelease {
    static let versions: [String: String] = [
        "purchase_summary": "73c35669906bd76196dd255b13efc5c7",
        "purchase_summary_by_category": "b2ed1fc4aec086c491ad9f5ed4bbea97",
        "purchase_summary_hourly": "07e930dc9111c23b855572b7a210483e",
        "purchase_summary_daily": "74015c8db9b9bf6f794f4cd1671aa69c",
    ]
}
