//! Property tests: the line splitter and the patch merger never panic on arbitrary input,
//! and what they accept round-trips.

use feed::lines::split_text;
use feed::patch::merge;
use feed::time::{format_offset_ms, parse_offset_ms};
use proptest::prelude::*;
use serde_json::Value;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        "[a-z0-9:. ]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map("[0-9]{1,2}|[A-Za-z_]{1,6}", inner, 0..5).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn splitting_any_text_never_panics(text in "\\PC{0,200}") {
        let _ = split_text("X.jsonStream", &text);
    }

    #[test]
    fn splitting_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = feed::lines::split("X.jsonStream", &bytes);
    }

    #[test]
    fn well_formed_lines_all_come_back(offsets in prop::collection::vec(0i64..360_000_000, 1..20), crlf in any::<bool>()) {
        let mut sorted = offsets.clone();
        sorted.sort_unstable();
        let nl = if crlf { "\r\n" } else { "\n" };
        let text: String = sorted.iter().map(|t| format!("{}{{}}{nl}", format_offset_ms(*t))).collect();
        let lines = split_text("X.jsonStream", &text).unwrap();
        prop_assert!(lines.warnings.is_empty());
        prop_assert_eq!(lines.lines.iter().map(|l| l.t_ms).collect::<Vec<_>>(), sorted);
    }

    #[test]
    fn offsets_round_trip(t in 0i64..360_000_000) {
        prop_assert_eq!(parse_offset_ms(&format_offset_ms(t)), Some(t));
    }

    #[test]
    fn merging_any_patch_never_panics(mut state in json_value(), patch in json_value()) {
        merge(&mut state, patch);
    }

    #[test]
    fn merging_a_patch_into_null_gives_the_patch(patch in json_value()) {
        let mut state = Value::Null;
        merge(&mut state, patch.clone());
        prop_assert_eq!(state, patch);
    }

    #[test]
    fn the_deflated_payload_decoder_never_panics(s in "\"[A-Za-z0-9+/=]{0,64}\"") {
        let _ = feed::zipped::inflate_payload(&s);
    }
}
