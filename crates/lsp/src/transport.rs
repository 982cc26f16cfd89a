//! The JSON-RPC transport in front of tower-lsp: it reads `Content-Length` frames from
//! the client, answers malformed ones itself (a parse error, an invalid request) and
//! passes only well-formed messages on, so one bad message never ends the server. Every
//! frame written to the client goes through one writer, so the server's messages and
//! these error replies never interleave. It also remembers whether `shutdown` came
//! before `exit`: the process then exits with 0, otherwise with 1, as the protocol asks.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, DuplexStream};
use tokio::sync::mpsc;

/// Frames larger than this are refused (and skipped) rather than buffered.
const MAX_FRAME: usize = 64 * 1024 * 1024;

/// What the client did before the connection ended.
#[derive(Clone, Default)]
pub(crate) struct Session {
    shutdown: Arc<AtomicBool>,
}

impl Session {
    /// Whether the client asked for `shutdown` (so `exit` is a clean exit).
    pub fn clean(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }
}

/// Starts the filtering tasks between the real client streams and the server: returns
/// the streams tower-lsp reads from and writes to.
pub(crate) fn spawn<I, O>(input: I, output: O, session: Session) -> (DuplexStream, DuplexStream)
where
    I: AsyncRead + Unpin + Send + 'static,
    O: AsyncWrite + Unpin + Send + 'static,
{
    let (mut to_server, server_in) = tokio::io::duplex(1 << 20);
    let (server_out, mut from_server) = tokio::io::duplex(1 << 20);
    let (frames, mut outgoing) = mpsc::unbounded_channel::<Vec<u8>>();
    // Client → server, validated.
    let replies = frames.clone();
    tokio::spawn(async move {
        let mut reader = FrameReader::new(input);
        while let Some(frame) = reader.next().await {
            let message = match frame {
                Ok(body) => check_message(&body),
                Err(reply) => Err(reply),
            };
            match message {
                Ok(message) => {
                    if message.get("method").and_then(Value::as_str) == Some("shutdown") {
                        session.shutdown.store(true, Ordering::SeqCst);
                    }
                    if to_server.write_all(&frame_bytes(&message.to_string().into_bytes())).await.is_err() {
                        return;
                    }
                }
                Err(reply) => {
                    let _ = replies.send(frame_bytes(reply.to_string().as_bytes()));
                }
            }
        }
        // The client closed its end: so does the server's input.
        let _ = to_server.shutdown().await;
    });
    // Server → client: whole frames, one at a time.
    tokio::spawn(async move {
        let mut reader = FrameReader::new(&mut from_server);
        while let Some(Ok(body)) = reader.next().await {
            if frames.send(frame_bytes(&body)).is_err() {
                return;
            }
        }
    });
    tokio::spawn(async move {
        let mut output = output;
        while let Some(bytes) = outgoing.recv().await {
            if output.write_all(&bytes).await.is_err() || output.flush().await.is_err() {
                return;
            }
        }
    });
    (server_in, server_out)
}

fn frame_bytes(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

fn error_reply(id: Value, code: i64, message: &str) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } })
}

const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;

/// A well-formed JSON-RPC message, or the error reply for it.
fn check_message(body: &[u8]) -> Result<Value, Value> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| error_reply(Value::Null, PARSE_ERROR, &format!("the message is not JSON: {e}")))?;
    let Value::Object(object) = &value else {
        return Err(error_reply(
            Value::Null,
            INVALID_REQUEST,
            "a message must be a JSON object (batches are not used by LSP)",
        ));
    };
    let id = object.get("id");
    let valid_id = match id {
        None | Some(Value::Null | Value::Number(_) | Value::String(_)) => true,
        Some(_) => false,
    };
    if !valid_id {
        return Err(error_reply(Value::Null, INVALID_REQUEST, "`id` must be a number or a string"));
    }
    let reply_id = id.cloned().unwrap_or(Value::Null);
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(error_reply(reply_id, INVALID_REQUEST, "`jsonrpc` must be \"2.0\""));
    }
    match object.get("method") {
        Some(Value::String(_)) => {}
        Some(_) => return Err(error_reply(reply_id, INVALID_REQUEST, "`method` must be a string")),
        // A response to a request of the server's.
        None if id.is_some() && (object.contains_key("result") || object.contains_key("error")) => {}
        None => return Err(error_reply(reply_id, INVALID_REQUEST, "a request needs a `method`")),
    }
    if let Some(params) = object.get("params")
        && !matches!(params, Value::Object(_) | Value::Array(_) | Value::Null)
    {
        // (`null` is accepted: clients send it for `shutdown` and `exit`.)
        return Err(error_reply(reply_id, INVALID_REQUEST, "`params` must be an object or an array"));
    }
    Ok(value)
}

/// Reads `Content-Length` frames; a frame whose header is unusable yields the reply to
/// send, and reading resumes at the next header.
struct FrameReader<R> {
    input: R,
    buffer: Vec<u8>,
    done: bool,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    fn new(input: R) -> Self {
        FrameReader { input, buffer: Vec::new(), done: false }
    }

    /// Reads more input; `false` at the end of it.
    async fn fill(&mut self) -> bool {
        if self.done {
            return false;
        }
        let mut chunk = [0u8; 8192];
        match self.input.read(&mut chunk).await {
            Ok(0) | Err(_) => {
                self.done = true;
                false
            }
            Ok(n) => {
                self.buffer.extend_from_slice(&chunk[..n]);
                true
            }
        }
    }

    async fn next(&mut self) -> Option<Result<Vec<u8>, Value>> {
        loop {
            // Garbage before a header (after a bad frame) is skipped.
            if let Some(start) = find(&self.buffer, b"Content-Length") {
                self.buffer.drain(..start);
            } else if !self.buffer.is_empty() && find(&self.buffer, b"\r\n\r\n").is_some() {
                let end = find(&self.buffer, b"\r\n\r\n").unwrap() + 4;
                self.buffer.drain(..end);
                return Some(Err(error_reply(Value::Null, PARSE_ERROR, "a message needs a `Content-Length` header")));
            }
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                let header = String::from_utf8_lossy(&self.buffer[..end]).to_string();
                let length = header.lines().find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.trim().eq_ignore_ascii_case("content-length").then(|| value.trim().parse::<usize>())
                });
                match length {
                    Some(Ok(length)) if length <= MAX_FRAME => {
                        while self.buffer.len() < end + 4 + length {
                            if !self.fill().await {
                                return None;
                            }
                        }
                        let body = self.buffer[end + 4..end + 4 + length].to_vec();
                        self.buffer.drain(..end + 4 + length);
                        return Some(Ok(body));
                    }
                    _ => {
                        // Unknown length: drop the header; the body is skipped up to the
                        // next header.
                        self.buffer.drain(..end + 4);
                        let skip = find(&self.buffer, b"Content-Length").unwrap_or(self.buffer.len());
                        self.buffer.drain(..skip);
                        return Some(Err(error_reply(
                            Value::Null,
                            PARSE_ERROR,
                            &format!("bad `Content-Length` header: `{}`", header.trim()),
                        )));
                    }
                }
            }
            if self.buffer.len() > MAX_FRAME {
                // Megabytes without a header: nothing here can be read.
                self.buffer.clear();
            }
            if !self.fill().await {
                return None;
            }
        }
    }
}

/// Where `needle` first occurs in `haystack`, ignoring ASCII case (header names).
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_messages_get_error_replies() {
        let code = |body: &str| check_message(body.as_bytes()).unwrap_err()["error"]["code"].as_i64();
        assert_eq!(code("{not json"), Some(PARSE_ERROR));
        assert_eq!(code("[1,2,3]"), Some(INVALID_REQUEST));
        assert_eq!(code("{}"), Some(INVALID_REQUEST));
        assert_eq!(code(r#"{"jsonrpc":"2.0","id":{"a":1},"method":"x"}"#), Some(INVALID_REQUEST));
        assert_eq!(code(r#"{"jsonrpc":"2.0","id":1,"method":"x","params":3}"#), Some(INVALID_REQUEST));
        assert!(check_message(br#"{"jsonrpc":"2.0","id":1,"method":"x"}"#).is_ok());
        assert!(check_message(br#"{"jsonrpc":"2.0","id":1,"result":null}"#).is_ok());
    }
}
