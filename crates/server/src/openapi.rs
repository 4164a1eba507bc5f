//! The OpenAPI 3.1 document of the API (`GET /api/openapi.json`), generated: every route is
//! registered through [`documented`], which takes each handler's `#[utoipa::path]` (its path,
//! parameters and typed responses: the model's row structs) into the router and the document
//! at once, so a route cannot exist without its documentation, nor the other way round.

use std::sync::OnceLock;

use bytes::Bytes;
use serde::Serialize;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;
use crate::{chunks, routes, sse, ws};

/// The body of every error: `{"error": reason, "status": code}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What was wrong, in a sentence (never a server path).
    pub error: String,
    /// The HTTP status, repeated.
    pub status: u16,
}

/// A table as a file (`?format=csv|parquet|arrow` of the table endpoints).
pub struct TableFile;

impl utoipa::PartialSchema for TableFile {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, SchemaFormat, Type};
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .description(Some("the table as a file: CSV text, Parquet (zstd) or an Arrow IPC file, typed columns with FastF1's names"))
            .into()
    }
}

impl utoipa::ToSchema for TableFile {}

/// The errors any endpoint can answer (docs/API.md: 4xx with a reason for bad input).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum Failures {
    /// A malformed id or parameter.
    #[response(status = 400, description = "a malformed session id or parameter")]
    BadRequest(ErrorBody),
    /// No such session, season, chunk, driver or lap.
    #[response(status = 404, description = "no such session, season, chunk, driver or lap")]
    NotFound(ErrorBody),
    /// The server failed, e.g. a build error.
    #[response(status = 500, description = "the server failed (a build error)")]
    Internal(ErrorBody),
    /// The archive failed.
    #[response(status = 502, description = "the archive (upstream) failed")]
    Upstream(ErrorBody),
}

/// The document's header.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "f1replay",
        description = "Replays Formula 1 sessions from the official live-timing archive. Errors are {\"error\": reason, \"status\": code}."
    ),
    components(schemas(ErrorBody))
)]
struct ApiDoc;

/// Every documented route of the API, with its handler.
pub(crate) fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(routes::health))
        .routes(routes!(routes::openapi))
        .routes(routes!(routes::codes))
        .routes(routes!(routes::seasons))
        .routes(routes!(routes::season_sessions))
        .routes(routes!(routes::session))
        .routes(routes!(sse::build))
        .routes(routes!(chunks::chunk))
        .routes(routes!(chunks::replay_file))
        .routes(routes!(routes::frame))
        .routes(routes!(routes::laps))
        .routes(routes!(routes::stints))
        .routes(routes!(routes::pit_stops))
        .routes(routes!(routes::car_marks))
        .routes(routes!(routes::segments))
        .routes(routes!(routes::drs))
        .routes(routes!(routes::lap_deltas))
        .routes(routes!(routes::results))
        .routes(routes!(routes::sectors))
        .routes(routes!(routes::telemetry))
        .routes(routes!(routes::weather))
        .routes(routes!(routes::race_control))
        .routes(routes!(routes::track_status))
        .routes(routes!(routes::story))
        .routes(routes!(routes::marshal_sectors))
        .routes(routes!(routes::team_radio))
        .routes(routes!(routes::team_radio_clip))
        .routes(routes!(ws::upgrade))
}

/// The document as a JSON value.
pub fn document() -> serde_json::Value {
    let mut doc = documented().split_for_parts().1;
    doc.openapi = utoipa::openapi::OpenApiVersion::Version31;
    serde_json::to_value(&doc).unwrap_or_default()
}

/// The per-session tables, by name: the documented `GET /api/sessions/{id}/NAME` routes tagged
/// `tables` that need no parameter but the session (telemetry, which needs a driver and a lap,
/// is not one). `publish` writes each as `data/sessions/ID/NAME.json`, so a new table endpoint
/// is published the moment it is documented.
pub(crate) fn session_tables() -> Vec<String> {
    let doc = document();
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    paths
        .iter()
        .filter_map(|(path, item)| {
            let name = path.strip_prefix("/api/sessions/{id}/").filter(|n| !n.contains('/'))?;
            let get = &item["get"];
            let tagged = get["tags"].as_array().is_some_and(|t| t.iter().any(|t| t == "tables"));
            let params = get["parameters"].as_array().cloned().unwrap_or_default();
            let only_the_session = params.iter().all(|p| p["name"] == "id" || p["required"] != true);
            (tagged && only_the_session).then(|| name.to_owned())
        })
        .collect()
}

/// The document, serialised once.
pub(crate) fn document_bytes() -> Bytes {
    static DOC: OnceLock<Bytes> = OnceLock::new();
    DOC.get_or_init(|| Bytes::from(serde_json::to_vec_pretty(&document()).unwrap_or_default())).clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Paths the router answers outside the documented API: the catch-alls that answer 404
    /// with a pointer to this document, and the web UI.
    const UNDOCUMENTED: [&str; 3] = ["/api", "/api/", "/api/{*rest}"];

    #[test]
    fn every_route_is_documented_with_a_typed_answer() {
        let doc = document();
        let paths = doc["paths"].as_object().expect("paths");
        assert!(paths.len() >= 19, "{} paths", paths.len());
        for (path, item) in paths {
            let get = &item["get"];
            assert!(get.is_object(), "{path}: no GET");
            let responses = get["responses"].as_object().unwrap_or_else(|| panic!("{path}: no responses"));
            let ok =
                responses.iter().find(|(code, _)| ["200", "101"].contains(&code.as_str())).unwrap_or_else(|| panic!("{path}: no success"));
            let content = &ok.1["content"];
            if ok.0 == "200" {
                let schemas: Vec<&serde_json::Value> =
                    content.as_object().map(|c| c.values().map(|m| &m["schema"]).collect()).unwrap_or_default();
                assert!(
                    !schemas.is_empty() && schemas.iter().all(|s| s.is_object() && !s.as_object().unwrap().is_empty()),
                    "{path}: 200 without a schema"
                );
            }
            assert!(responses.contains_key("400") && responses.contains_key("404"), "{path}: errors not documented");
            assert!(!UNDOCUMENTED.contains(&path.as_str()));
        }
        assert_eq!(doc["openapi"], "3.1.0");
        // The tables are the model's rows, not free-form objects.
        let laps = &paths["/api/sessions/{id}/laps"]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
        assert_eq!(laps["items"]["$ref"], "#/components/schemas/LapRow", "{laps}");
    }
}
