//! The feed's patch-merge convention for stateful topics.
//!
//! The first line of a topic is usually the full state; later lines are sparse deltas. An
//! object patch whose keys are numbers addresses the items of an array by index (`{"Sectors":
//! {"1": {...}}}` patches `Sectors[1]`); any other object patch merges key by key; a scalar or
//! array replaces. `{"_deleted": [keys]}` removes keys, as the live feed sends for some topics.

use serde_json::{Map, Value};

/// Merges `patch` into `state` in place, following the feed's rules.
pub fn merge(state: &mut Value, patch: Value) {
    match (state, patch) {
        (Value::Object(s), Value::Object(p)) => merge_object(s, p),
        (Value::Array(s), Value::Object(p)) if p.keys().all(|k| k.parse::<usize>().is_ok()) => {
            for (k, v) in p {
                let Ok(i) = k.parse::<usize>() else { continue };
                // Indices far past the end are refused: they could only come from a corrupt line,
                // and would otherwise make us allocate without bound.
                if i > s.len() + 1024 {
                    continue;
                }
                if i >= s.len() {
                    s.resize(i + 1, Value::Null);
                }
                merge(&mut s[i], v);
            }
        }
        (s, p) => *s = p,
    }
}

fn merge_object(s: &mut Map<String, Value>, p: Map<String, Value>) {
    for (k, v) in p {
        if k == "_deleted" {
            if let Value::Array(keys) = &v {
                for key in keys {
                    match key {
                        Value::String(key) => {
                            s.remove(key);
                        }
                        Value::Number(n) => {
                            s.remove(&n.to_string());
                        }
                        _ => {}
                    }
                }
            }
            continue;
        }
        match s.get_mut(&k) {
            Some(existing) if v.is_object() => merge(existing, v),
            _ => {
                s.insert(k, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numeric_keys_patch_array_items() {
        let mut s = json!({"Sectors": [{"Value": ""}, {"Value": ""}, {"Value": ""}]});
        merge(&mut s, json!({"Sectors": {"1": {"Value": "36.564"}}}));
        assert_eq!(s["Sectors"][1]["Value"], "36.564");
        assert_eq!(s["Sectors"][0]["Value"], "");
    }

    #[test]
    fn objects_merge_and_scalars_replace() {
        let mut s = json!({"4": {"Tla": "NOR", "Line": 1}});
        merge(&mut s, json!({"4": {"Line": 3}, "44": {"Tla": "HAM"}}));
        assert_eq!(s, json!({"4": {"Tla": "NOR", "Line": 3}, "44": {"Tla": "HAM"}}));
    }

    #[test]
    fn arrays_grow_by_index_and_deleted_keys_go() {
        let mut s = json!({"Stints": [], "x": 1, "y": 2});
        merge(&mut s, json!({"Stints": {"0": {"Compound": "SOFT"}}, "_deleted": ["x"]}));
        assert_eq!(s, json!({"Stints": [{"Compound": "SOFT"}], "y": 2}));
    }
}
