//! A table as a file: Parquet (zstd), Arrow IPC (file format), CSV or JSON. The binary formats
//! keep the table's types; the text ones give durations as seconds (as the API's JSON does) and
//! dictionaries as their text.

use std::sync::Arc;

use arrow_array::cast::AsArray as _;
use arrow_array::types::{DurationNanosecondType, Int32Type, Int64Type, TimestampNanosecondType, UInt32Type};
use arrow_array::{Array, ArrayRef, DurationNanosecondArray, Float64Array, RecordBatch, TimestampNanosecondArray};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use parquet::arrow::arrow_writer::compute_leaves;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use rayon::prelude::*;

use crate::Error;

/// zstd level of Parquet files: level 3, zstd's default, is about as small as higher levels on
/// these tables at a fraction of their time.
const PARQUET_ZSTD_LEVEL: i32 = 3;

/// Rows in a Parquet row group (the parquet crate's default): a race's timeline of 2.8 million
/// rows makes three, whose columns are encoded in parallel.
const ROW_GROUP_ROWS: usize = 1024 * 1024;

/// A file format a table is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Apache Parquet, zstd-compressed, with the Arrow schema embedded.
    Parquet,
    /// The Arrow IPC file format (Feather v2), uncompressed.
    Arrow,
    /// CSV with a header row.
    Csv,
    /// A JSON array of objects, nulls written out.
    Json,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 4] = [Format::Parquet, Format::Arrow, Format::Csv, Format::Json];

    /// Its name, as `--format` and `?format=` take it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Arrow => "arrow",
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }

    /// The format of this name; the error lists the names there are.
    pub fn parse(name: &str) -> Result<Format, String> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| format!("unknown format {name:?}: the formats are parquet, arrow, csv, json"))
    }

    /// The file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Arrow => "arrow",
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }

    /// The media type (HTTP `Content-Type`).
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Parquet => "application/vnd.apache.parquet",
            Format::Arrow => "application/vnd.apache.arrow.file",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/json",
        }
    }
}

/// The bytes of `batch` as a file of `format`.
pub fn encode(batch: &RecordBatch, format: Format) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    match format {
        Format::Parquet => parquet_file(batch, &mut out)?,
        Format::Arrow => {
            let mut w = arrow_ipc::writer::FileWriter::try_new(&mut out, &batch.schema())?;
            w.write(batch)?;
            w.finish()?;
        }
        Format::Csv => {
            let mut w = arrow_csv::WriterBuilder::new().with_header(true).build(&mut out);
            w.write(&as_text(batch)?)?;
        }
        Format::Json => {
            let mut w = arrow_json::WriterBuilder::new().with_explicit_nulls(true).build::<_, arrow_json::writer::JsonArray>(&mut out);
            w.write(&as_text(batch)?)?;
            w.finish()?;
        }
    }
    Ok(out)
}

/// `batch` as Parquet: each row group's columns encoded in parallel (they are independent),
/// then written in order, with the Arrow schema embedded as [`ArrowWriter`] does.
fn parquet_file(batch: &RecordBatch, out: &mut Vec<u8>) -> Result<(), Error> {
    let schema = batch.schema();
    let writer = ArrowWriter::try_new(out, schema.clone(), Some(parquet_settings(batch)?))?;
    let (mut file, columns) = writer.into_serialized_writer()?;
    let groups: Vec<RecordBatch> = (0..batch.num_rows().div_ceil(ROW_GROUP_ROWS).max(1))
        .map(|g| batch.slice(g * ROW_GROUP_ROWS, ROW_GROUP_ROWS.min(batch.num_rows() - g * ROW_GROUP_ROWS)))
        .collect();
    let mut jobs = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        for (writer, (field, column)) in columns.create_column_writers(g)?.into_iter().zip(schema.fields().iter().zip(group.columns())) {
            jobs.push((writer, field, column));
        }
    }
    let chunks = jobs
        .into_par_iter()
        .map(|(mut writer, field, column)| {
            for leaf in compute_leaves(field, column)? {
                writer.write(&leaf)?;
            }
            writer.close()
        })
        .collect::<Result<Vec<_>, parquet::errors::ParquetError>>()?;
    // The chunks are in the jobs' order: row group by row group, column by column.
    let mut chunks = chunks.into_iter();
    for _ in &groups {
        let mut row_group = file.next_row_group()?;
        for chunk in chunks.by_ref().take(schema.fields().len()) {
            chunk.append_to_row_group(&mut row_group)?;
        }
        row_group.close()?;
    }
    file.close()?;
    Ok(())
}

/// The writer's settings for `batch`: zstd, and per column the encoding its values suit.
/// - An integer, duration or instant column that never decreases (frame numbers, session
///   times): delta encoding, whose steps (mostly 0 or one tick) pack into a few bits; a
///   dictionary of its many distinct values would cost more time and room.
/// - Everything else: Parquet's dictionary, falling back to plain where it grows too large.
fn parquet_settings(batch: &RecordBatch) -> Result<WriterProperties, Error> {
    let level = ZstdLevel::try_new(PARQUET_ZSTD_LEVEL)?;
    let mut props = WriterProperties::builder().set_compression(Compression::ZSTD(level)).set_max_row_group_size(ROW_GROUP_ROWS);
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        let path = ColumnPath::from(field.name().as_str());
        if never_decreases(column) {
            props = props.set_column_dictionary_enabled(path.clone(), false).set_column_encoding(path, Encoding::DELTA_BINARY_PACKED);
        }
    }
    Ok(props.build())
}

/// Whether `column` is a 32- or 64-bit integer column (durations and instants included) with
/// no nulls whose values never decrease.
fn never_decreases(column: &ArrayRef) -> bool {
    fn sorted<T: arrow_array::ArrowPrimitiveType>(c: &ArrayRef) -> bool
    where
        T::Native: PartialOrd,
    {
        let values = c.as_primitive::<T>().values();
        values.windows(2).all(|w| w[0] <= w[1])
    }
    if column.null_count() > 0 || column.is_empty() {
        return false;
    }
    match column.data_type() {
        DataType::Int32 => sorted::<Int32Type>(column),
        DataType::UInt32 => sorted::<UInt32Type>(column),
        DataType::Int64 => sorted::<Int64Type>(column),
        DataType::Duration(TimeUnit::Nanosecond) => sorted::<DurationNanosecondType>(column),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => sorted::<TimestampNanosecondType>(column),
        _ => false,
    }
}

/// `batch` for the text formats: durations as float seconds, dictionaries as their text.
fn as_text(batch: &RecordBatch) -> Result<RecordBatch, Error> {
    let mut fields = Vec::with_capacity(batch.num_columns());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        let column: ArrayRef = match field.data_type() {
            DataType::Duration(TimeUnit::Nanosecond) => {
                let d = column.as_any().downcast_ref::<DurationNanosecondArray>().expect("a Duration(ns) column");
                Arc::new(d.iter().map(|v| v.map(|ns| ns as f64 / 1e9)).collect::<Float64Array>())
            }
            DataType::Dictionary(_, _) => arrow_cast::cast(column, &DataType::Utf8)?,
            // The same instants with the zone as an offset, which the text writers print
            // without a time zone database.
            DataType::Timestamp(TimeUnit::Nanosecond, Some(_)) => Arc::new(
                column.as_any().downcast_ref::<TimestampNanosecondArray>().expect("a Timestamp(ns) column").clone().with_timezone("+00:00"),
            ),
            _ => column.clone(),
        };
        fields.push(Field::new(field.name(), column.data_type().clone(), field.is_nullable()));
        columns.push(column);
    }
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arrays::{category, duration_ms, utc_ms, Columns};
    use arrow_array::UInt32Array;

    fn sample() -> RecordBatch {
        Columns::default()
            .add("Driver", category([Some("VER"), Some("NOR")]), false)
            .add("LapNumber", UInt32Array::from(vec![1, 2]), false)
            .add("LapTime", duration_ms([Some(77_306), None]), true)
            .add("LapStartDate", utc_ms([Some(1_761_422_400_123), None]), true)
            .finish()
            .unwrap()
    }

    #[test]
    fn binary_files_read_back_with_their_types_and_nulls() {
        let batch = sample();
        let ipc = encode(&batch, Format::Arrow).unwrap();
        let back = arrow_ipc::reader::FileReader::try_new(std::io::Cursor::new(ipc), None).unwrap().next().unwrap().unwrap();
        assert_eq!(back, batch);
        let pq = encode(&batch, Format::Parquet).unwrap();
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(bytes_of(pq)).unwrap().build().unwrap();
        let back: Vec<RecordBatch> = reader.collect::<Result<_, _>>().unwrap();
        assert_eq!(back[0], batch, "Parquet keeps the durations, the dictionary and the null");
    }

    #[test]
    fn parquet_row_groups_encoded_in_parallel_read_back_in_order_with_delta_for_rising_columns() {
        let n = 2 * ROW_GROUP_ROWS + 5;
        let batch = Columns::default()
            .add("Frame", UInt32Array::from_iter_values((0..n as u32).map(|i| i / 20)), false)
            .add("X", arrow_array::Int32Array::from_iter((0..n as i32).map(|i| (i % 7 != 0).then_some((i * 7919) % 10_007 - 5000))), true)
            .add("Position", arrow_array::UInt8Array::from_iter_values((0..n).map(|i| (i % 20) as u8 + 1)), false)
            .finish()
            .unwrap();
        let pq = encode(&batch, Format::Parquet).unwrap();
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(bytes_of(pq)).unwrap();
        let meta = reader.metadata().clone();
        assert_eq!(meta.num_row_groups(), 3);
        let encodings = |c: usize| meta.row_group(0).column(c).encodings().collect::<Vec<_>>();
        assert!(encodings(0).contains(&Encoding::DELTA_BINARY_PACKED), "Frame never decreases: {:?}", encodings(0));
        assert!(!encodings(1).contains(&Encoding::DELTA_BINARY_PACKED), "X goes up and down: {:?}", encodings(1));
        let back: Vec<RecordBatch> = reader.build().unwrap().collect::<Result<_, _>>().unwrap();
        let back = arrow_select::concat::concat_batches(&batch.schema(), &back).unwrap();
        assert_eq!(back, batch, "the rows in their order, nulls kept");
    }

    fn bytes_of(v: Vec<u8>) -> bytes::Bytes {
        v.into()
    }

    #[test]
    fn text_files_give_seconds_and_empty_nulls() {
        let csv = String::from_utf8(encode(&sample(), Format::Csv).unwrap()).unwrap();
        assert_eq!(csv, "Driver,LapNumber,LapTime,LapStartDate\nVER,1,77.306,2025-10-25T20:00:00.123Z\nNOR,2,,\n");
        let json = String::from_utf8(encode(&sample(), Format::Json).unwrap()).unwrap();
        assert_eq!(
            json,
            r#"[{"Driver":"VER","LapNumber":1,"LapTime":77.306,"LapStartDate":"2025-10-25T20:00:00.123Z"},{"Driver":"NOR","LapNumber":2,"LapTime":null,"LapStartDate":null}]"#
        );
        assert_eq!(Format::parse("parquet"), Ok(Format::Parquet));
        assert!(Format::parse("xlsx").unwrap_err().contains("parquet, arrow, csv, json"));
    }
}
