//! What each fuzz target does with one input, shared by the cargo-fuzz targets
//! (`fuzz/fuzz_targets/`) and the regression test that replays the kept crash inputs
//! (`crates/replay/tests/fuzz_regressions.rs`), so both run exactly the same code.
//!
//! Each function must never panic, whatever the bytes; where the input is usable it also checks
//! what must hold of the result (a line's offset is inside the day, a built replay opens again).

use feed::Topic;

/// A fuzz target: one input, no result (a panic is the finding).
pub type Target = fn(&[u8]);

/// The targets by name: the folder names under `fuzz/regressions/` and `fuzz/corpus/`.
pub const TARGETS: [(&str, Target); 4] = [("lines", lines), ("z_payload", z_payload), ("patch_merge", patch_merge), ("session", session)];

/// `feed::lines::split` on a whole topic file: every kept line has a readable offset, and the
/// kept and skipped lines never outnumber the file's lines.
pub fn lines(data: &[u8]) {
    let Ok(split) = feed::lines::split("Fuzz.jsonStream", data) else { return };
    let total = data.split(|&b| b == b'\n').count();
    assert!(split.lines.len() <= total, "{} lines kept of {total}", split.lines.len());
    for line in &split.lines {
        assert!((1..=total).contains(&line.number), "line number {} of {total}", line.number);
        assert!(line.t_ms >= 0, "offset {} ms", line.t_ms);
    }
}

/// One `.z` payload (quoted base64 of raw deflate) opened by `feed::zipped`: the reusable
/// [`feed::zipped::Inflater`] and the one-off function agree, and what was deflated by
/// [`feed::zipped::deflate_payload`] comes back unchanged.
pub fn z_payload(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let once = feed::zipped::inflate_payload(text);
    let mut buf = Vec::new();
    let reused = feed::zipped::Inflater::default().inflate(text, &mut buf).map(<[u8]>::to_vec);
    assert_eq!(once, reused, "the two ways of opening a payload disagree");
    if let Ok(json) = once {
        let again = feed::zipped::deflate_payload(&json);
        assert_eq!(feed::zipped::inflate_payload(&again).as_deref(), Ok(&json[..]), "round trip");
    }
}

/// `feed::patch::merge`: the input's lines are JSON values (a line's `HH:MM:SS.mmm` offset, if
/// any, is dropped); the first is the state, each later one a patch merged into it in order.
pub fn patch_merge(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut values = text.lines().filter_map(|l| {
        let payload = if l.len() > 12 && l.as_bytes()[2] == b':' { l.get(12..)? } else { l };
        serde_json::from_str::<serde_json::Value>(payload).ok()
    });
    let Some(mut state) = values.next() else { return };
    for patch in values {
        let replaces = !patch.is_object();
        let copy = replaces.then(|| patch.clone());
        feed::patch::merge(&mut state, patch);
        if let Some(copy) = copy {
            assert_eq!(state, copy, "a scalar or array patch replaces the state");
        }
    }
}

/// Most bytes of one topic file in a `session` input, so that one input stays fast to build.
const MAX_TOPIC_BYTES: usize = 1 << 20;

/// Splits a `session` input into topic files: repeated `[topic index: u8][length: u16 LE]
/// [bytes]` (a length past the end takes what is left; an index past the last topic wraps).
pub fn session_files(mut data: &[u8]) -> Vec<(Topic, Option<Vec<u8>>)> {
    let mut files: Vec<(Topic, Option<Vec<u8>>)> = Topic::ALL.iter().map(|&t| (t, None)).collect();
    while data.len() >= 3 {
        let topic = data[0] as usize % Topic::ALL.len();
        let len = (u16::from_le_bytes([data[1], data[2]]) as usize).min(data.len() - 3);
        let file = files[topic].1.get_or_insert_with(Vec::new);
        if file.len() + len <= MAX_TOPIC_BYTES {
            file.extend_from_slice(&data[3..3 + len]);
        }
        data = &data[3 + len..];
    }
    files
}

/// Encodes topic files as a `session` input ([`session_files`] reads it back).
pub fn session_input(files: &[(Topic, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (topic, bytes) in files {
        let index = Topic::ALL.iter().position(|t| t == topic).unwrap_or(0) as u8;
        for piece in bytes.chunks(u16::MAX as usize) {
            out.push(index);
            out.extend_from_slice(&(piece.len() as u16).to_le_bytes());
            out.extend_from_slice(piece);
        }
    }
    out
}

/// A whole session through to the replay ([`session_replay`]).
pub fn session(data: &[u8]) {
    session_replay(data);
}

/// A whole session through to the replay: topic files decoded ([`feed::FeedSession`]), the
/// session model built ([`timing::Session`]), the replay built, encoded as a replay file and
/// opened again, and its first and last frames read back. The replay's frame count, or `None`
/// when the input holds no session a replay can be built from (a refusal, not a crash).
pub fn session_replay(data: &[u8]) -> Option<u32> {
    let feed = feed::FeedSession::decode(session_files(data));
    let model = timing::Session::build(&feed);
    let opts = replay::BuildOptions::default();
    let built = replay::build(&model, "fuzz", 0, &opts, &|_, _| {}).ok()?;
    let bytes = replay::store::encode(&built.manifest, &built.chunks).expect("a built replay encodes");
    let file = replay::store::ReplayFile::from_bytes(bytes, "fuzz").expect("a built replay opens");
    assert_eq!(file.frame_count(), built.manifest.frame_count);
    for k in [0, file.frame_count().saturating_sub(1)] {
        file.frame(k).expect("a built replay's frames decode");
    }
    Some(file.frame_count())
}
