//! A table as a file: Parquet (zstd), Arrow IPC (file format), CSV or JSON. The binary formats
//! keep the table's types; the text ones give durations as seconds (as the API's JSON does) and
//! dictionaries as their text.

use std::sync::Arc;

use arrow_array::{Array, ArrayRef, DurationNanosecondArray, Float64Array, RecordBatch, TimestampNanosecondArray};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use crate::Error;

/// zstd level of Parquet files: level 3, zstd's default, is about as small as higher levels on
/// these tables at a fraction of their time.
const PARQUET_ZSTD_LEVEL: i32 = 3;

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
        Format::Parquet => {
            let level = ZstdLevel::try_new(PARQUET_ZSTD_LEVEL)?;
            let props = WriterProperties::builder().set_compression(Compression::ZSTD(level)).build();
            let mut w = ArrowWriter::try_new(&mut out, batch.schema(), Some(props))?;
            w.write(batch)?;
            w.close()?;
        }
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
