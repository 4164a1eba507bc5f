//! Random CarData and Position messages for the property tests: every shape serde accepts
//! for the `telemetry` structs (any key order, whitespace, number forms, unknown keys with
//! nested values, `null`s, missing optional fields), and random damage to them.

use super::MAX_EXACT;
use proptest::prelude::*;

/// A JSON fragment in random form, plus whether the scanner is expected to take it.
#[derive(Debug, Clone)]
pub(crate) struct Gen {
    /// The JSON text.
    pub(crate) text: String,
    /// Whether the scanner must read it (every number in its exact range).
    pub(crate) plain: bool,
}

fn ws() -> impl Strategy<Value = String> {
    prop_oneof![6 => Just(String::new()), 1 => "[ \t\r\n]{1,3}"]
}

/// Whether a JSON number is in the scanner's exact range, worked out independently of it.
fn in_exact_range(text: &str) -> bool {
    let text = text.trim_start_matches('-');
    let (mantissa, exp) = text.split_once(['e', 'E']).unwrap_or((text, "0"));
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let significand: u128 = format!("{int}{frac}").parse().unwrap_or(u128::MAX);
    let exponent = exp.parse::<i64>().unwrap_or(i64::MAX) - frac.len() as i64;
    significand <= u128::from(MAX_EXACT) && exponent.abs() <= 22
}

/// A number as the feed might write it (and some it never does), flagged `plain` when the
/// scanner must read it.
fn number() -> impl Strategy<Value = Gen> {
    prop_oneof![
        4 => (-40_000i64..40_000).prop_map(|v| v.to_string()),
        1 => any::<i32>().prop_map(|v| v.to_string()),
        2 => (-100_000i64..100_000, 1i32..5).prop_map(|(v, d)| format!("{}", v as f64 / 10f64.powi(d))),
        1 => "-?(0|[1-9][0-9]{0,5})\\.[0-9]{1,6}",
        1 => "-?(0|[1-9][0-9]{0,4})(\\.[0-9]{1,4})?[eE][+-]?[0-9]{1,2}",
        1 => Just("-0".to_string()),
        1 => Just("-0.0".to_string()),
        1 => "[1-9][0-9]{14,21}",
    ]
    .prop_map(|text| Gen { plain: in_exact_range(&text), text })
}

fn optional_number() -> impl Strategy<Value = Gen> {
    prop_oneof![8 => number(), 1 => Just(Gen { text: "null".into(), plain: true })]
}

/// Any JSON value, for unknown keys the scanner must skip.
fn unknown_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("false".to_string()),
        number().prop_map(|g| g.text),
        "[a-z \u{e9}]{0,6}".prop_map(|s| format!("{s:?}")),
        Just(r#""esc \" \\ \/ \b \f \n \r \t \u00e9 \uD800""#.to_string()),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec((ws(), inner.clone()), 0..4)
                .prop_map(|v| format!("[{}]", v.into_iter().map(|(w, x)| w + &x).collect::<Vec<_>>().join(","))),
            prop::collection::vec(("[a-z\"\\\\]{0,4}", ws(), inner), 0..4).prop_map(|v| {
                let members: Vec<String> =
                    v.into_iter().map(|(k, w, x)| format!("{}{w}:{w}{x}", serde_json::to_string(&k).unwrap_or_default())).collect();
                format!("{{{}}}", members.join(","))
            }),
        ]
    })
}

/// An object from (key, value) members in a random order with random whitespace.
fn object(members: Vec<(String, Gen)>, extra: Vec<(String, String)>, order: Vec<usize>, spaces: Vec<String>) -> Gen {
    let plain = members.iter().all(|(_, g)| g.plain);
    let mut all: Vec<(String, String)> = members.into_iter().map(|(k, g)| (k, g.text)).collect();
    all.extend(extra.into_iter().map(|(k, v)| (serde_json::to_string(&k).unwrap_or_default(), v)));
    let mut keyed: Vec<(usize, (String, String))> =
        all.into_iter().enumerate().map(|(i, m)| (order.get(i).copied().unwrap_or(i), m)).collect();
    keyed.sort_by_key(|(o, _)| *o);
    let sp = |i: usize| spaces.get(i % spaces.len().max(1)).cloned().unwrap_or_default();
    let body: Vec<String> =
        keyed.into_iter().enumerate().map(|(i, (_, (k, v)))| format!("{}{k}{}:{}{v}{}", sp(i), sp(i + 1), sp(i + 2), sp(i + 3))).collect();
    Gen { text: format!("{{{}}}", body.join(",")), plain }
}

fn extras(known: &'static [&'static str]) -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(("[A-Za-z0-9 ]{0,5}".prop_filter("unknown key", move |k| !known.contains(&k.as_str())), unknown_value()), 0..3)
}

fn order() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0usize..100, 12)
}

fn spaces() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(ws(), 1..6)
}

fn utc() -> impl Strategy<Value = Gen> {
    prop_oneof![
        8 => (0i64..2_000_000_000_000_000).prop_map(|us| Gen { text: format!("\"{}\"", crate::time::format_utc_us(us)), plain: true }),
        1 => "[0-9T:.Z-]{0,12}".prop_map(|s| Gen { text: format!("\"{s}\""), plain: true }),
    ]
}

fn car_key() -> impl Strategy<Value = String> {
    prop_oneof![6 => (1u16..100).prop_map(|n| n.to_string()), 1 => "[+]?[0-9]{1,6}", 1 => "[a-z]{0,3}"]
}

fn channels() -> impl Strategy<Value = Gen> {
    let keys = ["0", "2", "3", "4", "5", "45"];
    (prop::collection::vec(prop::option::weighted(0.9, optional_number()), 6), extras(&["0", "2", "3", "4", "5", "45"]), order(), spaces())
        .prop_map(move |(values, extra, order, sp)| {
            let members = keys.iter().zip(values).filter_map(|(k, v)| v.map(|v| (format!("\"{k}\""), v))).collect();
            object(members, extra, order, sp)
        })
}

/// A CarData message: entries with `Utc` and `Cars`, cars with `Channels`, all in random form.
pub(crate) fn car_data_message() -> impl Strategy<Value = Gen> {
    let car = (channels(), extras(&["Channels"]), order(), spaces())
        .prop_map(|(ch, extra, o, sp)| object(vec![("\"Channels\"".into(), ch)], extra, o, sp));
    let cars = (prop::collection::vec((car_key(), car), 0..4), spaces()).prop_map(|(cars, sp)| {
        let members = cars.into_iter().map(|(k, v)| (format!("\"{k}\""), v)).collect();
        object(members, Vec::new(), (0..20).collect(), sp)
    });
    let entry =
        (utc(), prop::option::weighted(0.9, cars), extras(&["Utc", "Cars"]), order(), spaces()).prop_map(|(utc, cars, extra, o, sp)| {
            let mut members = vec![("\"Utc\"".to_string(), utc)];
            members.extend(cars.map(|c| ("\"Cars\"".to_string(), c)));
            object(members, extra, o, sp)
        });
    (prop::collection::vec(entry, 0..4), extras(&["Entries"]), order(), spaces(), ws(), ws()).prop_map(
        |(entries, extra, o, sp, before, after)| {
            let plain = entries.iter().all(|e| e.plain);
            let list = Gen { text: format!("[{}]", entries.into_iter().map(|e| e.text).collect::<Vec<_>>().join(", ")), plain };
            let message = object(vec![("\"Entries\"".into(), list)], extra, o, sp);
            Gen { text: before + &message.text + &after, plain: message.plain }
        },
    )
}

fn status() -> impl Strategy<Value = Gen> {
    prop_oneof![
        4 => Just(Gen { text: "\"OnTrack\"".into(), plain: true }),
        1 => Just(Gen { text: "\"OffTrack\"".into(), plain: true }),
        2 => "[A-Za-z]{0,8}".prop_map(|s| Gen { text: format!("\"{s}\""), plain: true }),
        2 => number(),
        1 => Just(Gen { text: "null".into(), plain: true }),
    ]
}

/// A Position message: frames with `Timestamp` and `Entries`, entries with `Status` and X/Y/Z.
pub(crate) fn position_message() -> impl Strategy<Value = Gen> {
    let keys = ["\"Status\"", "\"X\"", "\"Y\"", "\"Z\""];
    let entry = (
        prop::option::weighted(0.9, status()),
        prop::collection::vec(prop::option::weighted(0.9, optional_number()), 3),
        extras(&["Status", "X", "Y", "Z"]),
        order(),
        spaces(),
    )
        .prop_map(move |(status, xyz, extra, o, sp)| {
            let values = std::iter::once(status).chain(xyz);
            let members = keys.iter().zip(values).filter_map(|(k, v)| v.map(|v| (k.to_string(), v))).collect();
            object(members, extra, o, sp)
        });
    let entries = (prop::collection::vec((car_key(), entry), 0..4), spaces()).prop_map(|(cars, sp)| {
        let members = cars.into_iter().map(|(k, v)| (format!("\"{k}\""), v)).collect();
        object(members, Vec::new(), (0..20).collect(), sp)
    });
    let frame = (utc(), prop::option::weighted(0.9, entries), extras(&["Timestamp", "Entries"]), order(), spaces()).prop_map(
        |(ts, entries, extra, o, sp)| {
            let mut members = vec![("\"Timestamp\"".to_string(), ts)];
            members.extend(entries.map(|e| ("\"Entries\"".to_string(), e)));
            object(members, extra, o, sp)
        },
    );
    (prop::collection::vec(frame, 0..4), extras(&["Position"]), order(), spaces(), ws(), ws()).prop_map(
        |(frames, extra, o, sp, before, after)| {
            let plain = frames.iter().all(|e| e.plain);
            let list = Gen { text: format!("[{}]", frames.into_iter().map(|e| e.text).collect::<Vec<_>>().join(",")), plain };
            let message = object(vec![("\"Position\"".into(), list)], extra, o, sp);
            Gen { text: before + &message.text + &after, plain: message.plain }
        },
    )
}

/// Members in the given order as one object without whitespace, the feed's own spelling.
fn feed_object(members: &[(&str, &Gen)]) -> Gen {
    let body: Vec<String> = members.iter().map(|(k, g)| format!("{}:{}", serde_json::to_string(k).unwrap_or_default(), g.text)).collect();
    Gen { text: format!("{{{}}}", body.join(",")), plain: members.iter().all(|(_, g)| g.plain) }
}

/// A racing-number map (`Cars`, `Entries`) in the feed's spelling, around any car values.
fn feed_car_map(car: impl Strategy<Value = Gen>) -> impl Strategy<Value = Gen> {
    prop::collection::vec((car_key(), car), 0..4)
        .prop_map(|cars| feed_object(&cars.iter().map(|(k, g)| (k.as_str(), g)).collect::<Vec<_>>()))
}

/// A top-level message `{"<list>":[…]}` of feed-spelled items.
fn feed_list(list: &'static str, item: impl Strategy<Value = Gen>) -> impl Strategy<Value = Gen> {
    prop::collection::vec(item, 0..4).prop_map(move |items| {
        let plain = items.iter().all(|g| g.plain);
        let text = format!("[{}]", items.into_iter().map(|g| g.text).collect::<Vec<_>>().join(","));
        feed_object(&[(list, &Gen { text, plain })])
    })
}

/// A CarData message exactly as the feed spells it (its key order, no whitespace), with any
/// values: the scanner's short way, and with [`damage`] every way of leaving it.
pub(crate) fn feed_car_data_message() -> impl Strategy<Value = Gen> {
    let channels = prop::collection::vec(optional_number(), 6).prop_map(|v| {
        let keys = ["0", "2", "3", "4", "5", "45"];
        let channels = feed_object(&keys.iter().copied().zip(&v).collect::<Vec<_>>());
        feed_object(&[("Channels", &channels)])
    });
    let entry = (utc(), feed_car_map(channels)).prop_map(|(utc, cars)| feed_object(&[("Utc", &utc), ("Cars", &cars)]));
    feed_list("Entries", entry)
}

/// A Position message exactly as the feed spells it, with any values (see
/// [`feed_car_data_message`]).
pub(crate) fn feed_position_message() -> impl Strategy<Value = Gen> {
    let sample = (status(), optional_number(), optional_number(), optional_number())
        .prop_map(|(s, x, y, z)| feed_object(&[("Status", &s), ("X", &x), ("Y", &y), ("Z", &z)]));
    let frame = (utc(), feed_car_map(sample)).prop_map(|(ts, entries)| feed_object(&[("Timestamp", &ts), ("Entries", &entries)]));
    feed_list("Position", frame)
}

/// Random damage to a message: a byte removed, replaced or inserted.
pub(crate) fn damage(text: &str, at: usize, op: u8, byte: u8) -> Vec<u8> {
    let mut b = text.as_bytes().to_vec();
    let at = at % (b.len() + 1);
    match op % 3 {
        0 if at < b.len() => {
            b.remove(at);
        }
        1 if at < b.len() => b[at] = byte,
        _ => b.insert(at, byte),
    }
    b
}

/// A byte to damage a message with, often one that matters to JSON.
pub(crate) fn json_byte() -> impl Strategy<Value = u8> {
    prop_oneof![prop::sample::select(b"{}[],:\" \\-+.eE0123456789ntfulx".to_vec()), any::<u8>(),]
}
