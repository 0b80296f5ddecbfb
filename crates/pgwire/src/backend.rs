//! Backend (server to client) messages, encoded into a buffer.
//!
//! Most messages are `pgwire`'s message types; `DataRow`, the one message sent per
//! result row, is written straight into the buffer to avoid building an intermediate
//! row buffer. [`BackendBuf`] is a plain buffer the caller writes out when it decides
//! to flush, so a whole extended-protocol batch or a result set goes out in few writes.

use bytes::{BufMut, Bytes, BytesMut};
use pgwire::messages::PgWireBackendMessage as M;
use pgwire::messages::copy::{CopyData, CopyDone, CopyInResponse, CopyOutResponse};
use pgwire::messages::data::{FieldDescription, NoData, ParameterDescription, RowDescription};
use pgwire::messages::extendedquery::{
    BindComplete, CloseComplete, ParseComplete, PortalSuspended,
};
use pgwire::messages::response::{
    CommandComplete, EmptyQueryResponse, ErrorResponse, NoticeResponse, ReadyForQuery,
    TransactionStatus,
};
use pgwire::messages::startup::{Authentication, BackendKeyData, ParameterStatus, SecretKey};

/// Bytes waiting to be written to the client.
#[derive(Debug, Default)]
pub(crate) struct BackendBuf {
    buf: BytesMut,
}

impl BackendBuf {
    /// Appends one `pgwire` message.
    fn msg(&mut self, m: M) {
        // Encoding fails only for messages over the protocol's size limits; such a
        // message cannot be sent at all, so the client gets an error in its place.
        if let Err(e) = m.encode(&mut self.buf) {
            let fields = vec![
                (b'S', "ERROR".to_string()),
                (b'V', "ERROR".to_string()),
                (b'C', "54000".to_string()),
                (b'M', format!("could not send message to client: {e}")),
            ];
            let _ = M::ErrorResponse(ErrorResponse::new(fields)).encode(&mut self.buf);
        }
    }

    /// How many bytes are buffered.
    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    /// The buffered bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Drops the buffered bytes, keeping the allocation.
    pub(crate) fn clear(&mut self) {
        self.buf.clear();
    }

    /// Takes the buffered bytes.
    pub(crate) fn take(&mut self) -> Bytes {
        self.buf.split().freeze()
    }

    pub(crate) fn auth(&mut self, a: Authentication) {
        self.msg(M::Authentication(a));
    }

    pub(crate) fn parameter_status(&mut self, name: &str, value: &str) {
        self.msg(M::ParameterStatus(ParameterStatus::new(
            name.to_string(),
            value.to_string(),
        )));
    }

    pub(crate) fn backend_key_data(&mut self, pid: u32, secret: i32) {
        self.msg(M::BackendKeyData(BackendKeyData::new(
            pid as i32,
            SecretKey::I32(secret),
        )));
    }

    pub(crate) fn ready(&mut self, status: TransactionStatus) {
        self.msg(M::ReadyForQuery(ReadyForQuery::new(status)));
    }

    /// An ErrorResponse or NoticeResponse from its fields.
    pub(crate) fn error_fields(&mut self, fields: Vec<(u8, String)>) {
        self.msg(M::ErrorResponse(ErrorResponse::new(fields)));
    }

    pub(crate) fn notice_fields(&mut self, fields: Vec<(u8, String)>) {
        self.msg(M::NoticeResponse(NoticeResponse::new(fields)));
    }

    pub(crate) fn row_description(&mut self, fields: Vec<FieldDescription>) {
        self.msg(M::RowDescription(RowDescription::new(fields)));
    }

    pub(crate) fn parameter_description(&mut self, oids: Vec<u32>) {
        self.msg(M::ParameterDescription(ParameterDescription::new(oids)));
    }

    pub(crate) fn no_data(&mut self) {
        self.msg(M::NoData(NoData::new()));
    }

    pub(crate) fn parse_complete(&mut self) {
        self.msg(M::ParseComplete(ParseComplete::new()));
    }

    pub(crate) fn bind_complete(&mut self) {
        self.msg(M::BindComplete(BindComplete::new()));
    }

    pub(crate) fn close_complete(&mut self) {
        self.msg(M::CloseComplete(CloseComplete::new()));
    }

    pub(crate) fn portal_suspended(&mut self) {
        self.msg(M::PortalSuspended(PortalSuspended::new()));
    }

    pub(crate) fn command_complete(&mut self, tag: &str) {
        self.msg(M::CommandComplete(CommandComplete::new(tag.to_string())));
    }

    pub(crate) fn empty_query(&mut self) {
        self.msg(M::EmptyQueryResponse(EmptyQueryResponse::new()));
    }

    pub(crate) fn copy_in_response(&mut self, columns: usize) {
        let n = columns.min(i16::MAX as usize);
        self.msg(M::CopyInResponse(CopyInResponse::new(
            0,
            n as i16,
            vec![0; n],
        )));
    }

    pub(crate) fn copy_out_response(&mut self, columns: usize) {
        let n = columns.min(i16::MAX as usize);
        self.msg(M::CopyOutResponse(CopyOutResponse::new(
            0,
            n as i16,
            vec![0; n],
        )));
    }

    pub(crate) fn copy_data(&mut self, data: Bytes) {
        self.msg(M::CopyData(CopyData::new(data)));
    }

    pub(crate) fn copy_done(&mut self) {
        self.msg(M::CopyDone(CopyDone::new()));
    }

    /// A DataRow: `fields` calls `put` once per column.
    pub(crate) fn data_row(&mut self, columns: usize, fields: impl FnOnce(&mut RowWriter<'_>)) {
        let start = self.buf.len();
        self.buf.put_u8(b'D');
        self.buf.put_i32(0);
        self.buf.put_i16(columns as i16);
        fields(&mut RowWriter { buf: &mut self.buf });
        let len = (self.buf.len() - start - 1) as i32;
        self.buf[start + 1..start + 5].copy_from_slice(&len.to_be_bytes());
    }

    /// A single-byte message (the SSLRequest answer).
    pub(crate) fn raw_byte(&mut self, b: u8) {
        self.buf.put_u8(b);
    }
}

/// Writes the fields of one DataRow.
#[derive(Debug)]
pub(crate) struct RowWriter<'a> {
    buf: &'a mut BytesMut,
}

impl RowWriter<'_> {
    /// A NULL field.
    pub(crate) fn null(&mut self) {
        self.buf.put_i32(-1);
    }

    /// A field whose bytes `write` appends.
    pub(crate) fn field(&mut self, write: impl FnOnce(&mut BytesMut)) {
        let start = self.buf.len();
        self.buf.put_i32(0);
        write(self.buf);
        let len = (self.buf.len() - start - 4) as i32;
        self.buf[start..start + 4].copy_from_slice(&len.to_be_bytes());
    }
}

/// pgwire's status from the session's.
pub(crate) fn status(s: rustydb_sql::session::TransactionStatus) -> TransactionStatus {
    use rustydb_sql::session::TransactionStatus as S;
    match s {
        S::Idle => TransactionStatus::Idle,
        S::InBlock => TransactionStatus::Transaction,
        S::Failed => TransactionStatus::Error,
    }
}
