//! Small builders of typed Arrow columns from the model's values: the conversions every table
//! shares (ms to `Duration(ns)`, UTC µs to `Timestamp(ns, UTC)`, text to a dictionary, NaN to
//! null), so each is written once.

use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{
    Array, ArrayRef, BooleanArray, DictionaryArray, DurationNanosecondArray, Float32Array, Float64Array, Int32Array, RecordBatch,
    StringArray, TimestampNanosecondArray,
};
use arrow_schema::{Field, Schema};

/// Nanoseconds in a millisecond.
pub(crate) const NS_PER_MS: i64 = 1_000_000;

/// The columns of a table as they are added: each with its name and whether it may be null.
#[derive(Default)]
pub(crate) struct Columns {
    fields: Vec<Field>,
    arrays: Vec<ArrayRef>,
}

impl Columns {
    /// Adds column `name`; `nullable`: whether the table's definition allows a null there.
    pub(crate) fn add(mut self, name: &str, array: impl Array + 'static, nullable: bool) -> Columns {
        self.fields.push(Field::new(name, array.data_type().clone(), nullable));
        self.arrays.push(Arc::new(array));
        self
    }

    /// The record batch (an error only if a column's length differs: a bug).
    pub(crate) fn finish(self) -> Result<RecordBatch, crate::Error> {
        Ok(RecordBatch::try_new(Arc::new(Schema::new(self.fields)), self.arrays)?)
    }
}

/// Milliseconds (a duration or a session time) as `Duration(ns)`.
pub(crate) fn duration_ms(ms: impl IntoIterator<Item = Option<i64>>) -> DurationNanosecondArray {
    ms.into_iter().map(|v| v.map(|ms| ms * NS_PER_MS)).collect()
}

/// Seconds given to the millisecond (the model's `*_s` fields) as `Duration(ns)`.
pub(crate) fn duration_s(s: impl IntoIterator<Item = Option<f64>>) -> DurationNanosecondArray {
    duration_ms(s.into_iter().map(|v| v.map(seconds_to_ms)))
}

/// Seconds given to the millisecond, back to whole milliseconds.
pub(crate) fn seconds_to_ms(s: f64) -> i64 {
    (s * 1000.0).round() as i64
}

/// UTC instants in ms since the epoch as `Timestamp(ns, UTC)`.
pub(crate) fn utc_ms(ms: impl IntoIterator<Item = Option<i64>>) -> TimestampNanosecondArray {
    ms.into_iter().map(|v| v.map(|ms| ms * NS_PER_MS)).collect::<TimestampNanosecondArray>().with_timezone("UTC")
}

/// Text of a small set of values (driver, team, compound, status...) as a dictionary.
pub(crate) fn category<'a>(values: impl IntoIterator<Item = Option<&'a str>>) -> DictionaryArray<Int32Type> {
    values.into_iter().collect()
}

/// A dictionary from its keys (indices into `values`), for columns whose codes are known
/// without looking at the text of every row.
pub(crate) fn coded(keys: Vec<i32>, values: Vec<&str>) -> Result<DictionaryArray<Int32Type>, crate::Error> {
    Ok(DictionaryArray::try_new(Int32Array::from(keys), Arc::new(StringArray::from(values)))?)
}

/// Free text.
pub(crate) fn text<'a>(values: impl IntoIterator<Item = Option<&'a str>>) -> StringArray {
    values.into_iter().collect()
}

/// Booleans.
pub(crate) fn flags(values: impl IntoIterator<Item = Option<bool>>) -> BooleanArray {
    values.into_iter().collect()
}

/// 32-bit floats, NaN (the model's gap) as null.
pub(crate) fn f32_or_null(values: impl IntoIterator<Item = f32>) -> Float32Array {
    values.into_iter().map(|v| v.is_finite().then_some(v)).collect()
}

/// Optional 32-bit floats as 64-bit (FastF1's float64 columns), NaN as null.
pub(crate) fn f64_from_f32(values: impl IntoIterator<Item = Option<f32>>) -> Float64Array {
    values.into_iter().map(|v| v.filter(|v| v.is_finite()).map(f64::from)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_keep_the_value_and_make_nulls_of_what_is_unknown() {
        let d = duration_ms([Some(90_123), None]);
        assert_eq!((d.value(0), d.is_null(1)), (90_123_000_000, true));
        assert_eq!(duration_s([Some(77.306)]).value(0), 77_306_000_000);
        let t = utc_ms([Some(1_700_000_000_123)]);
        assert_eq!(t.timezone(), Some("UTC"));
        assert_eq!(t.value(0), 1_700_000_000_123_000_000);
        let c = category([Some("SOFT"), None, Some("SOFT")]);
        assert_eq!((c.values().len(), c.null_count()), (1, 1));
        let f = f32_or_null([1.5, f32::NAN]);
        assert_eq!((f.value(0), f.is_null(1)), (1.5, true));
    }
}
