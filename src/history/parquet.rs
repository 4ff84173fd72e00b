//! `history query --format parquet`: the same table as the CSV export, as one Parquet file that
//! pandas, polars and DuckDB read as is.
//!
//! Columns, in the CSV header's order: `t` (INT64, unix seconds UTC, the start of the row's
//! second, minute or hour — a plain integer as in the CSV, not a TIMESTAMP logical type, so
//! the two exports compare value for value), `venue` and `instrument` (UTF-8 strings), then one
//! optional DOUBLE per asked field, null where the value was not measured. Snappy-compressed,
//! one row group per [`ROW_GROUP`] rows.

use std::io::Write;
use std::sync::Arc;

use ::parquet::basic::{Compression, LogicalType, Repetition, Type as Physical};
use ::parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use ::parquet::errors::ParquetError;
use ::parquet::file::properties::WriterProperties;
use ::parquet::file::writer::SerializedFileWriter;
use ::parquet::schema::types::Type;

use super::query::Table;

/// Rows per row group: a day of 1-s rows for one book in one group, bounded pages for readers.
const ROW_GROUP: usize = 131_072;

/// Writes `table` as a Parquet file to `out`.
pub fn write_parquet<W: Write + Send>(table: &Table, out: W) -> Result<(), ParquetError> {
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_created_by(format!("depthscope {}", env!("CARGO_PKG_VERSION")))
        .build();
    let mut writer = SerializedFileWriter::new(out, Arc::new(schema(table)?), Arc::new(props))?;
    for rows in table.rows.chunks(ROW_GROUP) {
        let mut group = writer.next_row_group()?;
        let mut index = 0;
        while let Some(mut column) = group.next_column()? {
            match index {
                0 => {
                    let t: Vec<i64> = rows.iter().map(|r| r.0).collect();
                    column.typed::<Int64Type>().write_batch(&t, None, None)?;
                }
                1 | 2 => {
                    let text: Vec<ByteArray> = rows
                        .iter()
                        .map(|r| ByteArray::from(if index == 1 { &*r.1 } else { &*r.2 }))
                        .collect();
                    column
                        .typed::<ByteArrayType>()
                        .write_batch(&text, None, None)?;
                }
                field => {
                    let cells = rows.iter().map(|r| r.3[field - 3]);
                    let present: Vec<f64> = cells.clone().flatten().collect();
                    let defined: Vec<i16> = cells.map(|v| i16::from(v.is_some())).collect();
                    column
                        .typed::<DoubleType>()
                        .write_batch(&present, Some(&defined), None)?;
                }
            }
            column.close()?;
            index += 1;
        }
        group.close()?;
    }
    writer.close()?;
    Ok(())
}

fn schema(table: &Table) -> Result<Type, ParquetError> {
    let required = |name: &str, physical, logical| {
        Type::primitive_type_builder(name, physical)
            .with_repetition(Repetition::REQUIRED)
            .with_logical_type(logical)
            .build()
            .map(Arc::new)
    };
    let mut fields = vec![
        required("t", Physical::INT64, None)?,
        required("venue", Physical::BYTE_ARRAY, Some(LogicalType::String))?,
        required(
            "instrument",
            Physical::BYTE_ARRAY,
            Some(LogicalType::String),
        )?,
    ];
    for name in &table.fields {
        fields.push(Arc::new(
            Type::primitive_type_builder(name, Physical::DOUBLE)
                .with_repetition(Repetition::OPTIONAL)
                .build()?,
        ));
    }
    Type::group_type_builder("depthscope_history")
        .with_fields(fields)
        .build()
}

#[cfg(test)]
mod tests {
    use ::parquet::file::reader::{FileReader, SerializedFileReader};
    use ::parquet::record::Field;

    use super::*;
    use crate::history::columns::{index_of, width};
    use crate::history::query::{QuerySpec, query};
    use crate::history::{BookRow, Interval, Store};

    /// 2026-06-01 00:00 UTC.
    const T0: i64 = 1_780_272_000;

    /// Two books, five seconds, trades only on odd seconds (the others stay unmeasured).
    fn small_store(path: &std::path::Path) -> Store {
        let mut store = Store::open_write(path).unwrap();
        for s in 0..5 {
            let rows: Vec<BookRow> = ["binance", "okx"]
                .iter()
                .map(|venue| {
                    let mut values = vec![None; width()];
                    values[index_of("mid").unwrap()] = Some(67_000.5 + s as f64);
                    // Trades only on odd seconds: the others must read back as null.
                    values[index_of("trades").unwrap()] = (s % 2 == 1).then_some(s as f64);
                    BookRow {
                        venue: (*venue).into(),
                        instrument: "BTC-USDT".into(),
                        symbol: "BTC".into(),
                        values,
                    }
                })
                .collect();
            store.write_second(T0 + s, &rows, &[]).unwrap();
        }
        store
    }

    /// Writes [`small_store`] at `$DEPTHSCOPE_PARQUET_STORE` for `.ci/run`, which exports it
    /// with the built binary and reads the Parquet file with pyarrow.
    #[test]
    #[ignore = "a fixture for .ci/run"]
    fn write_store_for_ci() {
        let path = std::env::var_os("DEPTHSCOPE_PARQUET_STORE").expect("DEPTHSCOPE_PARQUET_STORE");
        small_store(std::path::Path::new(&path));
    }

    /// A small store written through the writer, queried and exported, then read back with the
    /// crate's reader: names, types, values and nulls as in the table the CSV export writes.
    #[test]
    fn parquet_export_reads_back_as_the_table() {
        let dir = std::env::temp_dir().join(format!("depthscope-parquet-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let store = small_store(&dir.join("h.sqlite"));
        let spec = QuerySpec {
            symbol: "BTC".into(),
            venue: None,
            from: T0,
            to: T0 + 5,
            every: Interval::Second,
            fields: vec!["mid".into(), "trades".into()],
        };
        let table = query(&store, &spec).unwrap();
        assert_eq!(table.rows.len(), 10);
        let file = dir.join("out.parquet");
        write_parquet(&table, std::fs::File::create(&file).unwrap()).unwrap();

        let reader = SerializedFileReader::new(std::fs::File::open(&file).unwrap()).unwrap();
        assert_eq!(reader.metadata().file_metadata().num_rows(), 10);
        let mut back = Vec::new();
        for row in reader.get_row_iter(None).unwrap() {
            let row = row.unwrap();
            let cells: Vec<(String, Field)> = row
                .get_column_iter()
                .map(|(n, f)| (n.clone(), f.clone()))
                .collect();
            let names: Vec<&str> = cells.iter().map(|(n, _)| n.as_str()).collect();
            assert_eq!(names, ["t", "venue", "instrument", "mid", "trades"]);
            let (Field::Long(t), Field::Str(venue), Field::Str(instrument)) =
                (&cells[0].1, &cells[1].1, &cells[2].1)
            else {
                panic!("unexpected key columns: {cells:?}");
            };
            let value = |f: &Field| match f {
                Field::Double(v) => Some(*v),
                Field::Null => None,
                other => panic!("unexpected value {other:?}"),
            };
            back.push((
                *t,
                venue.clone(),
                instrument.clone(),
                vec![value(&cells[3].1), value(&cells[4].1)],
            ));
        }
        assert_eq!(back, table.rows);
        assert_eq!(back[2].3, vec![Some(67_001.5), Some(1.0)]);
        assert_eq!(back[0].3, vec![Some(67_000.5), None]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
