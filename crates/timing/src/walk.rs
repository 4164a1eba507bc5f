//! Reading a time-ordered list at increasing times, as a pass over frames does: one step
//! forward per item passed instead of a search per read.

/// A position in a list ordered by time (`time` gives an item's session ms), moved forward by
/// reads at times that never decrease. `time` is a type parameter: a closure inlines, so a
/// read is a comparison; a function pointer (the car pass keeps its walks in a struct, and
/// reads them only when a change is due) costs a call.
#[derive(Clone, Copy)]
pub struct TimeWalk<'a, T, F: Fn(&T) -> i64> {
    items: &'a [T],
    time: F,
    passed: usize,
}

impl<'a, T, F: Fn(&T) -> i64> TimeWalk<'a, T, F> {
    /// A walk before the first item.
    pub fn new(items: &'a [T], time: F) -> Self {
        TimeWalk { items, time, passed: 0 }
    }

    /// How many items are at or before `t` (`t` must not decrease between calls).
    pub fn passed(&mut self, t: i64) -> usize {
        while self.passed < self.items.len() && (self.time)(&self.items[self.passed]) <= t {
            self.passed += 1;
        }
        self.passed
    }

    /// The time of the next item not yet passed (`i64::MAX` after the last): until then,
    /// reads give what they gave.
    pub fn next_time(&self) -> i64 {
        self.items.get(self.passed).map_or(i64::MAX, |item| (self.time)(item))
    }

    /// The last item at or before `t`: the value of a step function at `t`.
    pub fn last(&mut self, t: i64) -> Option<&'a T> {
        let n = self.passed(t);
        n.checked_sub(1).map(|i| &self.items[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::official::value_at;

    #[test]
    fn reads_a_step_function_like_a_search() {
        let changes = [(100i64, 'a'), (200, 'b'), (200, 'c'), (400, 'd')];
        let mut walk = TimeWalk::new(&changes, |c| c.0);
        for t in [-5, 99, 100, 150, 200, 399, 400, 10_000] {
            assert_eq!(walk.last(t).map(|c| c.1), value_at(&changes, t), "t = {t}");
        }
        assert_eq!(walk.passed(10_000), 4);
        assert_eq!(walk.next_time(), i64::MAX);
        let mut fresh = TimeWalk::new(&changes, |c| c.0);
        assert_eq!(fresh.next_time(), 100);
        fresh.passed(200);
        assert_eq!(fresh.next_time(), 400);
    }
}
