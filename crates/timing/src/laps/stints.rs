//! Tyre stints from TimingAppData, cleaned and joined to laps by time (docs/FEED.md §2.b "Tyres"
//! and "Merging laps with tyres").

use feed::records::StintLine;

/// One TimingAppData stint message of one driver (what FastF1 keeps of it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StintMsg {
    /// Session ms of the line.
    pub t_ms: i64,
    /// Stint index, 0-based.
    pub stint: u32,
    /// Compound, if sent.
    pub compound: Option<String>,
    /// Tyre age at the stint's start, if sent.
    pub start_laps: Option<u32>,
    /// Fresh set, if sent.
    pub new: Option<bool>,
}

/// Every stint message per racing number, in stream order.
pub fn messages(lines: &[StintLine], driver: u16) -> Vec<StintMsg> {
    let mut out = Vec::new();
    for line in lines {
        for (n, patches) in &line.drivers {
            if *n != driver {
                continue;
            }
            for p in patches {
                out.push(StintMsg {
                    t_ms: line.t_ms,
                    stint: u32::from(p.index),
                    compound: p.compound.clone(),
                    start_laps: p.start_laps,
                    // FastF1 turns any sent `New` other than "true" into false.
                    new: p.new,
                });
            }
        }
    }
    out
}

/// Cleans a driver's stint messages into one record per stint when several messages share a
/// stint (FastF1's `__fix_tyre_info`). `split_times` are the driver's in-lap end times.
pub fn fix(mut msgs: Vec<StintMsg>, split_times: &[i64], race_like: bool, session_start: Option<i64>) -> Vec<StintMsg> {
    let mut brackets = vec![0i64];
    brackets.extend_from_slice(split_times);
    brackets.push(86_400_000);
    // Races: messages for several stints bunched at the very first timestamp, none before the
    // start: re-time each to its stint bracket's start.
    if race_like && !split_times.is_empty() {
        if let (Some(start), Some(first)) = (session_start, msgs.first().map(|m| m.t_ms)) {
            if !msgs.iter().any(|m| m.t_ms < start) {
                let mut stints_at_first: Vec<u32> = msgs.iter().filter(|m| m.t_ms == first).map(|m| m.stint).collect();
                stints_at_first.dedup();
                stints_at_first.sort_unstable();
                stints_at_first.dedup();
                if stints_at_first.len() > 1 {
                    for m in msgs.iter_mut().filter(|m| m.t_ms == first) {
                        if let Some(b) = brackets.get(m.stint as usize) {
                            m.t_ms = b + 1;
                        }
                    }
                }
            }
        }
    }
    // A stint counter that ran ahead inside a bracket is clamped to the bracket's stint.
    let mut stint = 0u32;
    for w in brackets.windows(2) {
        let (start, end) = (w[0], w[1]);
        let mut any_eq = false;
        for m in msgs.iter_mut().filter(|m| m.t_ms >= start && m.t_ms <= end) {
            if m.stint > stint {
                m.stint = stint;
            }
        }
        for m in msgs.iter().filter(|m| m.t_ms >= start && m.t_ms <= end) {
            any_eq |= m.stint == stint;
        }
        if any_eq {
            stint += 1;
        }
    }
    // Fold: the first message of a stint is the base, later values overwrite, time stays first.
    let mut order: Vec<u32> = Vec::new();
    for m in &msgs {
        if !order.contains(&m.stint) {
            order.push(m.stint);
        }
    }
    order
        .into_iter()
        .map(|s| {
            let mut it = msgs.iter().filter(|m| m.stint == s);
            let mut base = it.next().cloned().unwrap_or_default();
            for m in it {
                if m.compound.is_some() {
                    base.compound = m.compound.clone();
                }
                if m.start_laps.is_some() {
                    base.start_laps = m.start_laps;
                }
                if m.new.is_some() {
                    base.new = m.new;
                }
            }
            base
        })
        .collect()
}

/// The latest stint record at or before `t` (pandas `merge_asof` backward on sorted times).
pub fn at(stints: &[StintMsg], t: Option<i64>) -> Option<&StintMsg> {
    let t = t?;
    let mut best: Option<&StintMsg> = None;
    for s in stints {
        if s.t_ms <= t && best.is_none_or(|b| s.t_ms >= b.t_ms) {
            best = Some(s);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(t: i64, stint: u32, compound: Option<&str>, start: Option<u32>) -> StintMsg {
        StintMsg { t_ms: t, stint, compound: compound.map(str::to_string), start_laps: start, new: None }
    }

    #[test]
    fn later_messages_fill_a_stint_and_keep_its_first_time() {
        let fixed = fix(vec![m(10, 0, Some("SOFT"), None), m(20, 0, None, Some(2)), m(500, 1, Some("HARD"), Some(0))], &[400], false, None);
        assert_eq!(fixed.len(), 2);
        assert_eq!(fixed[0].t_ms, 10);
        assert_eq!(fixed[0].start_laps, Some(2));
        assert_eq!(at(&fixed, Some(450)).unwrap().compound.as_deref(), Some("SOFT"));
        assert_eq!(at(&fixed, Some(600)).unwrap().compound.as_deref(), Some("HARD"));
    }

    #[test]
    fn a_stint_counter_running_ahead_is_clamped() {
        let fixed = fix(vec![m(10, 0, Some("SOFT"), Some(0)), m(20, 1, Some("MEDIUM"), None)], &[400], false, None);
        assert_eq!(fixed.len(), 1);
        assert_eq!(fixed[0].compound.as_deref(), Some("MEDIUM"));
    }
}
