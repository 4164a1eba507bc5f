//! The OpenAPI 3.1 document of the API (`GET /api/openapi.json`), written by hand from
//! docs/API.md. A test checks that every route of the router is listed.

use std::sync::OnceLock;

use bytes::Bytes;
use serde_json::{json, Value};

/// Every path of the API, as in the router (OpenAPI's `{param}` syntax is axum's too).
pub const PATHS: [&str; 17] = [
    "/api/health",
    "/api/openapi.json",
    "/api/seasons",
    "/api/seasons/{year}/sessions",
    "/api/sessions/{id}",
    "/api/sessions/{id}/build",
    "/api/sessions/{id}/chunks/{n}",
    "/api/sessions/{id}/replay.bin",
    "/api/sessions/{id}/frame",
    "/api/sessions/{id}/laps",
    "/api/sessions/{id}/stints",
    "/api/sessions/{id}/results",
    "/api/sessions/{id}/sectors",
    "/api/sessions/{id}/telemetry",
    "/api/sessions/{id}/weather",
    "/api/sessions/{id}/race-control",
    "/api/sessions/{id}/track-status",
];

fn id_param() -> Value {
    json!({
        "name": "id", "in": "path", "required": true,
        "description": "sim-race, sim-sprint, sim-qualifying, sim-practice, or YEAR~MEETING_DIR~SESSION_DIR (the archive path with / replaced by ~)",
        "schema": {"type": "string", "maxLength": 200, "pattern": "^[A-Za-z0-9_.~-]+$"},
        "example": "2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying"
    })
}

fn query(name: &str, schema: Value, description: &str, required: bool) -> Value {
    json!({"name": name, "in": "query", "required": required, "description": description, "schema": schema})
}

fn errors() -> Value {
    let e = json!({"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    json!({"400": e, "404": e, "500": e, "502": e})
}

fn get(summary: &str, params: Vec<Value>, ok: Value) -> Value {
    let mut responses = errors();
    responses["200"] = ok;
    json!({"get": {"summary": summary, "parameters": params, "responses": responses}})
}

fn json_ok(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {}}}})
}

fn binary_ok(description: &str) -> Value {
    json!({"description": description, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}})
}

/// The document as a JSON value.
pub fn document() -> Value {
    let id = id_param;
    let mut paths = serde_json::Map::new();
    let mut add = |path: &str, item: Value| {
        paths.insert(path.to_owned(), item);
    };
    add("/api/health", get("Liveness and counters: uptime, sessions cached, builds started", vec![], json_ok("{\"status\":\"ok\",...}")));
    add("/api/openapi.json", get("This document", vec![], json_ok("OpenAPI 3.1")));
    add("/api/seasons", get("Seasons available; the simulated sessions are year 0", vec![], json_ok("[{\"year\",\"source\"}]")));
    add(
        "/api/seasons/{year}/sessions",
        get(
            "Sessions of a season",
            vec![json!({"name": "year", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 0}})],
            json_ok("[{\"id\",\"meeting\",\"name\",\"kind\",\"start\",\"available\"}]"),
        ),
    );
    add(
        "/api/sessions/{id}",
        get("The replay manifest; builds the session first if needed (single-flight)", vec![id()], json_ok("manifest")),
    );
    add(
        "/api/sessions/{id}/build",
        get(
            "Build progress as Server-Sent Events: progress {stage, percent}..., then done {manifest} or error {error, status}",
            vec![id()],
            json!({"description": "event stream", "content": {"text/event-stream": {"schema": {"type": "string"}}}}),
        ),
    );
    let mut chunk = get(
        "Chunk n of the replay (binary chunk format); immutable, strong ETag, If-None-Match → 304, Content-Encoding zstd / gzip / identity",
        vec![id(), json!({"name": "n", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 0}})],
        binary_ok("chunk"),
    );
    chunk["get"]["responses"]["304"] = json!({"description": "not modified"});
    add("/api/sessions/{id}/chunks/{n}", chunk);
    let mut file = get("The whole replay file, Range supported", vec![id()], binary_ok("replay file"));
    file["get"]["responses"]["206"] = binary_ok("part of the file");
    file["get"]["responses"]["304"] = json!({"description": "not modified"});
    file["get"]["responses"]["416"] = json!({"description": "range not satisfiable"});
    add("/api/sessions/{id}/replay.bin", file);
    add(
        "/api/sessions/{id}/frame",
        get(
            "One frame as JSON, at session time t (seconds) or by frame number",
            vec![
                id(),
                query("t", json!({"type": "number"}), "session time, seconds", false),
                query("frame", json!({"type": "integer", "minimum": 0}), "frame number", false),
            ],
            json_ok("frame"),
        ),
    );
    add("/api/sessions/{id}/laps", get("The laps table (FastF1's columns, times in seconds)", vec![id()], json_ok("laps")));
    add("/api/sessions/{id}/stints", get("Tyre stints per driver", vec![id()], json_ok("stints")));
    add("/api/sessions/{id}/results", get("Classification", vec![id()], json_ok("results")));
    add("/api/sessions/{id}/sectors", get("Sector times per lap with personal and overall best flags", vec![id()], json_ok("sectors")));
    add(
        "/api/sessions/{id}/telemetry",
        get(
            "One lap of one driver by distance",
            vec![
                id(),
                query("driver", json!({"type": "integer"}), "racing number", true),
                query("lap", json!({"type": "integer", "minimum": 1}), "lap number", true),
            ],
            json_ok("telemetry"),
        ),
    );
    add("/api/sessions/{id}/weather", get("Weather samples", vec![id()], json_ok("weather")));
    add("/api/sessions/{id}/race-control", get("Race control messages", vec![id()], json_ok("race control")));
    add("/api/sessions/{id}/track-status", get("Track status intervals", vec![id()], json_ok("track status")));
    paths.insert(
        "/api/sessions/{id}/ws".to_owned(),
        json!({"get": {
            "summary": "WebSocket stream. Client → server JSON text (≤1 KiB): {type:play,speed}, {type:pause}, {type:seek,t|lap}, {type:speed,x}. Server → client: {type:progress} while building, {type:meta,manifest}, then frames (JSON text, or binary msgpack / chunk-format frame) at most 60/s; {type:error,error} for a bad message (the socket stays open).",
            "parameters": [id(), query("format", json!({"type": "string", "enum": ["json", "msgpack", "binary"]}), "frame encoding (default json)", false)],
            "responses": {"101": {"description": "switching protocols"}, "400": {"description": "bad id or format"}, "404": {"description": "unknown session"}}
        }}),
    );
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "f1replay",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Replays Formula 1 sessions from the official live-timing archive. Errors are {\"error\": reason, \"status\": code}."
        },
        "paths": paths,
        "components": {"schemas": {"Error": {
            "type": "object", "required": ["error", "status"],
            "properties": {"error": {"type": "string"}, "status": {"type": "integer"}}
        }}}
    })
}

/// The document, serialised once.
pub(crate) fn document_bytes() -> Bytes {
    static DOC: OnceLock<Bytes> = OnceLock::new();
    DOC.get_or_init(|| Bytes::from(serde_json::to_vec_pretty(&document()).unwrap_or_default())).clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_is_documented() {
        let doc = document();
        for p in PATHS {
            assert!(doc["paths"][p]["get"].is_object(), "{p} missing");
        }
        assert!(doc["paths"]["/api/sessions/{id}/ws"]["get"].is_object());
        assert_eq!(doc["openapi"], "3.1.0");
    }
}
