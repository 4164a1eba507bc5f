//! `GET /api/sessions/{id}/build`: build progress as Server-Sent Events.
//!
//! Joins the session's build (starting it if none runs: the same single flight as every other
//! request), then sends `event: progress` with `{"stage","percent"}` on each change (coalesced:
//! a slow reader sees the latest state, never a backlog), and finally `event: done` with the
//! manifest URL or `event: error` with `{"error","status"}`.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream, StreamExt};
use tokio::sync::watch;

use crate::cache::{FlightState, FlightWatch, Joined, Progress};
use crate::error::ApiError;
use crate::loaded::LoadedReplay;
use crate::routes::PathParams;
use crate::state::AppState;

type Flight = FlightWatch<std::sync::Arc<LoadedReplay>>;

/// The JSON of a progress event.
pub(crate) fn progress_json(p: &Progress) -> serde_json::Value {
    serde_json::json!({ "stage": p.stage, "percent": (p.fraction * 100.0).round() as u32 })
}

fn event(name: &str, data: serde_json::Value) -> Result<Event, Infallible> {
    Ok(Event::default().event(name).data(data.to_string()))
}

fn done(manifest: &str) -> Result<Event, Infallible> {
    event("done", serde_json::json!({ "manifest": manifest }))
}

fn error(e: &ApiError) -> Result<Event, Infallible> {
    event("error", e.body())
}

/// `GET /api/sessions/{id}/build`.
#[utoipa::path(get, path = "/api/sessions/{id}/build", tag = "replay", summary = "Build progress as Server-Sent Events: progress {stage, percent}..., then done {manifest} or error {error, status}", params(("id" = String, Path, description = "sim-race, sim-sprint, sim-qualifying, sim-practice, or YEAR~MEETING_DIR~SESSION_DIR (the archive path with / replaced by ~)", example = "2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying")), responses((status = 200, description = "Build progress as Server-Sent Events: progress {stage, percent}..., then done {manifest} or error {error, status}", body = String, content_type = "text/event-stream"), crate::openapi::Failures))]
pub(crate) async fn build(State(state): State<AppState>, params: PathParams) -> Result<Response, ApiError> {
    let id = params.id()?;
    if state.store().catalog().definitely_missing(&id).await? {
        return Err(ApiError::not_found(format!("session {id} not found")));
    }
    let manifest = format!("/api/sessions/{id}");
    let stream = match state.store().replay_flight(&id) {
        Joined::Ready(_) => stream::once(async move { done(&manifest) }).boxed(),
        Joined::Flight(rx) => progress_events(rx, state.shutdown_signal(), manifest).boxed(),
    };
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response())
}

enum Step {
    Watch { rx: Flight, shutdown: watch::Receiver<bool>, first: bool },
    End,
}

fn progress_events(rx: Flight, shutdown: watch::Receiver<bool>, manifest: String) -> impl Stream<Item = Result<Event, Infallible>> + Send {
    stream::unfold(Step::Watch { rx, shutdown, first: true }, move |step| {
        let manifest = manifest.clone();
        async move {
            let Step::Watch { mut rx, mut shutdown, first } = step else {
                return None;
            };
            if !first {
                tokio::select! {
                    _ = rx.changed() => {}
                    _ = crate::cache::until_true(&mut shutdown) => {
                        return Some((error(&ApiError::unavailable("the server is shutting down")), Step::End));
                    }
                }
            }
            let state = rx.borrow_and_update().clone();
            Some(match state {
                FlightState::Running(p) if rx.has_changed().is_ok() || first => {
                    (event("progress", progress_json(&p)), Step::Watch { rx, shutdown, first: false })
                }
                FlightState::Running(_) => (error(&ApiError::internal("the build ended without a result")), Step::End),
                FlightState::Done(Ok(_)) => (done(&manifest), Step::End),
                FlightState::Done(Err(e)) => (error(&e), Step::End),
            })
        }
    })
}
