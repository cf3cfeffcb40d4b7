/// Log metadata keys, all under `tollgate.`.
enum LogKey {
    static let requestID = "tollgate.request_id"
    static let team = "tollgate.team_id"
    static let key = "tollgate.key_id"
    static let model = "tollgate.model"
    static let provider = "tollgate.provider"
    static let status = "tollgate.status"
    static let error = "tollgate.error"
    static let path = "tollgate.path"
}
