//! `GET /api/sessions/{id}/ws?format=json|msgpack|binary`: the replay as a stream of frames
//! with play / pause / seek / speed (docs/API.md).
//!
//! Each connection has a [`Clock`] anchored to wall time: the frame to show is computed from
//! the instant `play` (or the last seek or speed change) was received, never by counting ticks,
//! so the stream cannot drift. The connection wakes at the exact instant the next frame is due;
//! at high speed it skips frames so that it sends at most 60 per second.
//!
//! Frames come from the session's shared cache (encoded once for every connection, see
//! [`LoadedReplay::frame`]; sending one is a reference-count increment) and are written without
//! ever waiting ([`Outbox`]): when a client has not taken the previous frame yet (its socket
//! buffer is full), the new one is dropped for it. A slow client misses frames; nothing else
//! waits for it, and its connection is closed when nothing could be written for 20 s. Pings
//! every 15 s keep idle sockets open; a client silent for 60 s is disconnected.
//!
//! Control messages are JSON text of at most 1 KiB. A malformed one is answered with
//! `{"type":"error","error":...}` and the socket stays open. Before the first frame the server
//! sends a small `{"type":"meta","manifest_url":..,"fps":..,..}` (the client fetches the
//! manifest by HTTP: a 55 KB message here would stay as every idle viewer's write buffer),
//! preceded, when the session is being built, by `{"type":"progress","stage":..,"percent":..}`
//! messages.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use futures_util::stream::SplitSink;
use futures_util::{FutureExt, SinkExt, StreamExt};
use serde_json::Value;
use tokio::time::Instant;

use crate::cache::{self, Joined};
use crate::catalog::SessionId;
use crate::error::ApiError;
use crate::frames::FrameFormat;
use crate::loaded::LoadedReplay;
use crate::routes::{PathParams, QueryParams};
use crate::state::AppState;

/// Largest control message answered normally; larger ones get an error message.
pub const MAX_CONTROL_BYTES: usize = 1024;
/// Largest message accepted at all (the connection is closed beyond it).
const MAX_MESSAGE_BYTES: usize = 16 * 1024;
/// Most frames sent per second, whatever the speed.
pub const MAX_FRAMES_PER_S: f64 = 60.0;
/// Highest playback speed.
pub const MAX_SPEED: f64 = 256.0;
const PING_EVERY: Duration = Duration::from_secs(15);
const IDLE_LIMIT: Duration = Duration::from_secs(60);
/// Writes stuck for longer mean the client is gone or stalled: disconnect it.
const SEND_TIMEOUT: Duration = Duration::from_secs(20);

/// `GET /api/sessions/{id}/ws`: validates, then upgrades.
#[utoipa::path(get, path = "/api/sessions/{id}/ws", tag = "replay", summary = "WebSocket stream", description = "Client to server JSON text (at most 1 KiB): {type:play,speed}, {type:pause}, {type:seek,t|lap}, {type:speed,x}. Server to client: {type:progress} while building, {type:meta,session,manifest_url,replay_etag,fps,frame_ms,t_start_s,frame_count} (the manifest itself is fetched from manifest_url), then frames (JSON text, or binary msgpack / chunk-format frame) at most 60/s; {type:error,error} for a bad message (the socket stays open).", params(("id" = String, Path, description = "sim-race, sim-sprint, sim-qualifying, sim-practice, or YEAR~MEETING_DIR~SESSION_DIR (the archive path with / replaced by ~)", example = "2025~2025-10-26_Mexico_City_Grand_Prix~2025-10-25_Qualifying"), ("format" = Option<String>, Query, description = "frame encoding: json (default), msgpack or binary")), responses((status = 101, description = "switching protocols"), crate::openapi::Failures))]
pub(crate) async fn upgrade(
    State(state): State<AppState>,
    params: PathParams,
    query: QueryParams,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let id = params.id()?;
    let format = query.format()?;
    let ws = ws.map_err(|e| ApiError::new(e.status(), format!("this endpoint is a WebSocket: {}", e.body_text())))?;
    let max = state.limits().max_viewers;
    if state.ws_connections() >= max {
        return Err(ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            format!("the server has its maximum of {max} viewers; try again shortly"),
        ));
    }
    if state.store().catalog().definitely_missing(&id).await? {
        return Err(ApiError::not_found(format!("session {id} not found")));
    }
    Ok(ws
        // tungstenite zero-fills its whole read buffer before each read attempt, and this loop
        // polls for input on every wake-up: 4 KiB instead of the default 128 KiB (control
        // messages are tiny) took the server's CPU per frame down by about 40%.
        .read_buffer_size(4096)
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| connection(socket, state, id, format)))
}

/// A control message from the client.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Control {
    /// Start (or keep) playing, optionally at a new speed.
    Play { speed: Option<f64> },
    /// Stop the clock.
    Pause,
    /// Jump to a session time, seconds.
    SeekTime(f64),
    /// Jump to the leader's start of a lap.
    SeekLap(u32),
    /// Change the speed, keep playing or paused.
    Speed(f64),
}

fn speed_of(v: &Value, field: &str) -> Result<f64, String> {
    match v.as_f64() {
        Some(x) if x.is_finite() && x > 0.0 && x <= MAX_SPEED => Ok(x),
        _ => Err(format!("{field} must be a number above 0 and at most {MAX_SPEED}")),
    }
}

/// Parses a control message; the error is the reason sent back to the client.
pub(crate) fn parse_control(text: &str) -> Result<Control, String> {
    if text.len() > MAX_CONTROL_BYTES {
        return Err(format!("message of {} bytes is too large (at most {MAX_CONTROL_BYTES})", text.len()));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let Some(obj) = value.as_object() else {
        return Err("expected a JSON object such as {\"type\":\"play\",\"speed\":1}".to_owned());
    };
    let kind = obj.get("type").and_then(Value::as_str).ok_or("missing \"type\" (play, pause, seek or speed)")?;
    match kind {
        "play" => Ok(Control::Play { speed: obj.get("speed").filter(|v| !v.is_null()).map(|v| speed_of(v, "speed")).transpose()? }),
        "pause" => Ok(Control::Pause),
        "speed" => Ok(Control::Speed(speed_of(obj.get("x").ok_or("speed needs \"x\", e.g. {\"type\":\"speed\",\"x\":4}")?, "x")?)),
        "seek" => match (obj.get("t"), obj.get("lap")) {
            (Some(t), None) => match t.as_f64() {
                Some(t) if t.is_finite() && t.abs() <= 1e7 => Ok(Control::SeekTime(t)),
                _ => Err("t must be a session time in seconds".to_owned()),
            },
            (None, Some(lap)) => match lap.as_u64() {
                Some(l) if (1..=10_000).contains(&l) => Ok(Control::SeekLap(l as u32)),
                _ => Err("lap must be a lap number from 1".to_owned()),
            },
            (Some(_), Some(_)) => Err("seek takes t or lap, not both".to_owned()),
            (None, None) => Err("seek needs t (seconds) or lap, e.g. {\"type\":\"seek\",\"t\":1234.5}".to_owned()),
        },
        other => {
            let shown: String = other.chars().take(40).collect();
            Err(format!("unknown type {shown:?} (play, pause, seek or speed)"))
        }
    }
}

/// A playback clock anchored to wall time: position (in frames) = the position at the anchor
/// + elapsed wall time × speed × fps.
#[derive(Debug, Clone)]
pub(crate) struct Clock {
    fps: f64,
    last_frame: u32,
    playing: bool,
    speed: f64,
    anchor: Instant,
    anchor_pos: f64,
}

impl Clock {
    /// Paused at frame 0, speed 1.
    pub(crate) fn new(fps: u32, frame_count: u32, now: Instant) -> Clock {
        Clock {
            fps: fps.max(1) as f64,
            last_frame: frame_count.saturating_sub(1),
            playing: false,
            speed: 1.0,
            anchor: now,
            anchor_pos: 0.0,
        }
    }

    fn pos(&self, now: Instant) -> f64 {
        if self.playing {
            let elapsed = now.saturating_duration_since(self.anchor).as_secs_f64();
            (self.anchor_pos + elapsed * self.speed * self.fps).min(self.last_frame as f64)
        } else {
            self.anchor_pos
        }
    }

    /// The frame to show at `now`.
    pub(crate) fn frame(&self, now: Instant) -> u32 {
        // The epsilon absorbs float error at the exact instant a frame is due.
        ((self.pos(now) + 1e-6).floor().max(0.0) as u32).min(self.last_frame)
    }

    fn reanchor(&mut self, now: Instant) {
        self.anchor_pos = self.pos(now);
        self.anchor = now;
    }

    /// Plays from the current position (from the start when at the end).
    pub(crate) fn play(&mut self, now: Instant) {
        self.reanchor(now);
        if self.anchor_pos >= self.last_frame as f64 {
            self.anchor_pos = 0.0;
        }
        self.playing = true;
    }

    /// Stops at the current position.
    pub(crate) fn pause(&mut self, now: Instant) {
        self.reanchor(now);
        self.playing = false;
    }

    /// Jumps to frame `k`, playing or not.
    pub(crate) fn seek(&mut self, now: Instant, k: u32) {
        self.anchor = now;
        self.anchor_pos = k.min(self.last_frame) as f64;
    }

    /// Changes the speed from now on.
    pub(crate) fn set_speed(&mut self, now: Instant, x: f64) {
        self.reanchor(now);
        self.speed = x;
    }

    /// When the frame after `last_sent` is due: at most [`MAX_FRAMES_PER_S`] messages per
    /// second, so at high speed the next frame sent is several frames further on.
    pub(crate) fn next_send(&self, last_sent: Option<u32>) -> Option<Instant> {
        if !self.playing {
            return None;
        }
        let rate = self.speed * self.fps;
        let step = (rate / MAX_FRAMES_PER_S).ceil().max(1.0);
        let target = match last_sent {
            Some(k) => k as f64 + step,
            None => self.anchor_pos.floor(),
        };
        let wait = ((target - self.anchor_pos) / rate).max(0.0);
        Some(self.anchor + Duration::from_secs_f64(wait.min(1e6)))
    }

    /// True at the last frame.
    pub(crate) fn at_end(&self, now: Instant) -> bool {
        self.frame(now) >= self.last_frame
    }
}

fn error_message(reason: &str) -> Message {
    Message::Text(Utf8Bytes::from(serde_json::json!({ "type": "error", "error": reason }).to_string()))
}

/// The sending half of a viewer's socket, written without ever waiting: a frame is handed to
/// the socket only when the previous write has gone out; otherwise it is dropped for this
/// viewer ([`Outbox::frame`]). Control messages (meta, errors, pings) are queued behind what
/// is pending, so what waits is bounded by the kernel send buffer plus a few small messages.
struct Outbox {
    sink: SplitSink<WebSocket, Message>,
    /// A flush is pending: the socket did not take everything yet.
    congested: Option<Instant>,
}

impl Outbox {
    /// Tries to finish a pending flush without waiting.
    fn settle(&mut self) -> Alive {
        if self.congested.is_some() {
            match self.sink.flush().now_or_never() {
                Some(Ok(())) => self.congested = None,
                Some(Err(_)) => return false,
                None => {}
            }
        }
        true
    }

    /// Hands `msg` to the socket and starts writing it out, without waiting.
    fn push(&mut self, msg: Message) -> Alive {
        match self.sink.feed(msg).now_or_never() {
            Some(Ok(())) => {}
            Some(Err(_)) => return false,
            None => {
                self.congested.get_or_insert_with(Instant::now);
                return true;
            }
        }
        match self.sink.flush().now_or_never() {
            Some(Ok(())) => self.congested = None,
            Some(Err(_)) => return false,
            None => {
                self.congested.get_or_insert_with(Instant::now);
            }
        }
        true
    }

    /// A control message: always sent (after what is already queued).
    fn control(&mut self, msg: Message) -> Alive {
        self.settle() && self.push(msg)
    }

    /// A frame: sent if the socket has taken everything before it, else dropped. Returns
    /// (alive, sent).
    fn frame(&mut self, msg: Message) -> (Alive, bool) {
        if !self.settle() {
            return (false, false);
        }
        if self.congested.is_some() {
            return (true, false);
        }
        (self.push(msg), true)
    }

    /// True when writes have been stuck for longer than [`SEND_TIMEOUT`].
    fn stuck(&self) -> bool {
        self.congested.is_some_and(|since| since.elapsed() > SEND_TIMEOUT)
    }
}

/// One viewer: its clock, what it was sent last, and its socket's sending half.
struct Viewer {
    state: AppState,
    replay: Arc<LoadedReplay>,
    format: FrameFormat,
    out: Outbox,
    clock: Clock,
    last_sent: Option<u32>,
    /// A frame dropped while paused, to send when the socket drains.
    owed: Option<u32>,
}

/// Whether the connection should go on.
type Alive = bool;

impl Viewer {
    /// Sends frame `k`, or drops it when the client has not taken the previous ones yet.
    async fn send_frame(&mut self, k: u32) -> Alive {
        match self.replay.frame(self.format, k).await {
            Ok(encoded) => {
                self.last_sent = Some(k);
                let (alive, sent) = self.out.frame(encoded.message());
                self.state.count_frame(sent);
                // While paused nothing replaces a dropped frame: send it once the socket drains
                // (frame 0 behind the meta message on a stalled link, a seek while congested).
                self.owed = if sent || self.clock.playing { None } else { Some(k) };
                alive
            }
            Err(e) => {
                // A frame that cannot be decoded will not decode on the next tick either.
                self.clock.pause(Instant::now());
                self.reply_error(e.message())
            }
        }
    }

    fn reply_error(&mut self, reason: &str) -> Alive {
        self.out.control(error_message(reason))
    }

    /// The clock's wake-up: sends the frame now due.
    async fn tick(&mut self) -> Alive {
        let now = Instant::now();
        let k = self.clock.frame(now);
        let alive = if self.last_sent != Some(k) { self.send_frame(k).await } else { true };
        if self.clock.at_end(now) {
            self.clock.pause(now);
        }
        alive
    }

    async fn on_text(&mut self, text: &str) -> Alive {
        let control = match parse_control(text) {
            Ok(c) => c,
            Err(reason) => return self.reply_error(&reason),
        };
        let now = Instant::now();
        match control {
            Control::Play { speed } => {
                if let Some(x) = speed {
                    self.clock.set_speed(now, x);
                }
                self.clock.play(now);
                true
            }
            Control::Pause => {
                self.clock.pause(now);
                let k = self.clock.frame(now);
                if self.last_sent != Some(k) {
                    return self.send_frame(k).await;
                }
                true
            }
            Control::Speed(x) => {
                self.clock.set_speed(now, x);
                true
            }
            Control::SeekTime(t) => {
                let k = self.replay.frame_at_s(t);
                self.clock.seek(now, k);
                self.send_frame(k).await
            }
            Control::SeekLap(lap) => match self.replay.manifest().lap_starts.iter().find(|l| l.lap == lap) {
                Some(start) => {
                    let k = self.replay.frame_at_s(start.t_s);
                    self.clock.seek(now, k);
                    self.send_frame(k).await
                }
                None => {
                    let last = self.replay.manifest().lap_starts.iter().map(|l| l.lap).max().unwrap_or(0);
                    self.reply_error(&format!("no lap {lap} in this session (laps 1..={last})"))
                }
            },
        }
    }
}

/// Waits for the session's build, telling the client how it goes.
async fn wait_for_build(state: &AppState, id: &SessionId, out: &mut Outbox) -> Result<Arc<LoadedReplay>, ApiError> {
    match state.store().replay_flight(id) {
        Joined::Ready(r) => Ok(r),
        Joined::Flight(rx) => {
            cache::follow(rx, |p| {
                let mut msg = crate::sse::progress_json(p);
                msg["type"] = Value::from("progress");
                out.control(Message::Text(Utf8Bytes::from(msg.to_string())));
            })
            .await
        }
    }
}

/// Sends `msg` and waits (bounded) until it is written: for the last words before closing.
async fn send_now(out: &mut Outbox, msg: Message) {
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        out.sink.feed(msg).await?;
        out.sink.flush().await
    })
    .await;
}

async fn connection(socket: WebSocket, state: AppState, id: SessionId, format: FrameFormat) {
    let _guard = state.ws_guard();
    let (sink, mut incoming) = socket.split();
    let mut out = Outbox { sink, congested: None };
    let replay = match wait_for_build(&state, &id, &mut out).await {
        Ok(r) => r,
        Err(e) => {
            send_now(&mut out, error_message(e.message())).await;
            let close = CloseFrame { code: 1011, reason: Utf8Bytes::from_static("the session could not be built") };
            send_now(&mut out, Message::Close(Some(close))).await;
            return;
        }
    };
    let mut shutdown = state.shutdown_signal();
    let clock = Clock::new(replay.manifest().fps, replay.frame_count(), Instant::now());
    let mut viewer = Viewer { state, replay: replay.clone(), format, out, clock, last_sent: None, owed: None };
    let mut alive = viewer.out.control(Message::Text(replay.meta_message.clone())) && viewer.send_frame(0).await;
    let mut ping = tokio::time::interval_at(Instant::now() + PING_EVERY, PING_EVERY);
    let mut last_heard = Instant::now();
    // Created once, not per wake-up: these loops run 25-60 times a second per viewer.
    let stopping = cache::until_true(&mut shutdown);
    tokio::pin!(stopping);
    let due = tokio::time::sleep_until(Instant::now() + Duration::from_secs(3600));
    tokio::pin!(due);
    while alive {
        let wake = viewer.clock.next_send(viewer.last_sent);
        if let Some(at) = wake {
            if due.deadline() != at {
                due.as_mut().reset(at);
            }
        }
        let congested = viewer.out.congested.is_some();
        tokio::select! {
            biased;
            _ = &mut stopping => {
                let close = CloseFrame { code: 1001, reason: Utf8Bytes::from_static("server shutting down") };
                send_now(&mut viewer.out, Message::Close(Some(close))).await;
                break;
            }
            msg = incoming.next() => {
                let Some(Ok(msg)) = msg else { break };
                last_heard = Instant::now();
                alive = match msg {
                    Message::Text(text) => viewer.on_text(text.as_str()).await,
                    Message::Binary(_) => viewer.reply_error("control messages are JSON text, e.g. {\"type\":\"pause\"}"),
                    Message::Close(_) => false,
                    Message::Ping(_) | Message::Pong(_) => true,
                };
            }
            // Wakes when a congested socket drains, so queued control messages go out.
            flushed = viewer.out.sink.flush(), if congested => {
                viewer.out.congested = None;
                alive = flushed.is_ok();
                if let (true, Some(k)) = (alive, viewer.owed.take()) {
                    alive = viewer.send_frame(k).await;
                }
            }
            _ = &mut due, if wake.is_some() => {
                alive = viewer.tick().await;
            }
            _ = ping.tick() => {
                alive = last_heard.elapsed() < IDLE_LIMIT && !viewer.out.stuck() && viewer.out.control(Message::Ping(bytes::Bytes::new()));
            }
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(2), viewer.out.sink.close()).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_messages_parse_and_bad_ones_say_why() {
        assert_eq!(parse_control(r#"{"type":"play","speed":1}"#), Ok(Control::Play { speed: Some(1.0) }));
        assert_eq!(parse_control(r#"{"type":"play"}"#), Ok(Control::Play { speed: None }));
        assert_eq!(parse_control(r#"{"type":"pause"}"#), Ok(Control::Pause));
        assert_eq!(parse_control(r#"{"type":"seek","t":1234.5}"#), Ok(Control::SeekTime(1234.5)));
        assert_eq!(parse_control(r#"{"type":"seek","lap":20}"#), Ok(Control::SeekLap(20)));
        assert_eq!(parse_control(r#"{"type":"speed","x":4}"#), Ok(Control::Speed(4.0)));
        for (bad, why) in [
            ("hello", "not JSON"),
            ("[1]", "JSON object"),
            (r#"{"speed":1}"#, "missing \"type\""),
            (r#"{"type":"jump"}"#, "unknown type"),
            (r#"{"type":"speed","x":0}"#, "above 0"),
            (r#"{"type":"speed","x":1e9}"#, "at most"),
            (r#"{"type":"speed"}"#, "needs \"x\""),
            (r#"{"type":"play","speed":"fast"}"#, "speed must be"),
            (r#"{"type":"seek"}"#, "needs t"),
            (r#"{"type":"seek","t":1,"lap":2}"#, "not both"),
            (r#"{"type":"seek","lap":0}"#, "lap must be"),
            (r#"{"type":"seek","t":"x"}"#, "t must be"),
        ] {
            let e = parse_control(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
        let big = format!(r#"{{"type":"pause","pad":"{}"}}"#, "x".repeat(1100));
        assert!(parse_control(&big).unwrap_err().contains("too large"));
    }

    #[test]
    fn the_clock_is_anchored_to_wall_time() {
        let t0 = Instant::now();
        let mut c = Clock::new(25, 100_000, t0);
        assert_eq!(c.next_send(Some(0)), None, "paused");
        c.play(t0);
        assert_eq!(c.frame(t0 + Duration::from_secs(10)), 250);
        c.set_speed(t0 + Duration::from_secs(10), 16.0);
        assert_eq!(c.frame(t0 + Duration::from_secs(11)), 250 + 400);
        // At 16× (400 frames/s) a message every 7 frames: 57 per second.
        let due = c.next_send(Some(650)).unwrap();
        assert_eq!(c.frame(due), 657);
        c.pause(t0 + Duration::from_secs(12));
        assert_eq!(c.frame(t0 + Duration::from_secs(100)), 250 + 800);
        c.seek(t0, 99_999);
        assert!(c.at_end(t0));
        c.play(t0);
        assert_eq!(c.frame(t0), 0, "play at the end starts over");
    }
}
