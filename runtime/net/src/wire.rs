//! What both ends of a cross-stage call agree on besides the schema: a pass-through
//! tonic codec (the protobuf bytes are `codec.rs`'s; tonic still frames them, compresses
//! and carries deadlines and status codes) and the metadata Pluto adds to each call.

use bytes::{Buf, BufMut, Bytes};
use tonic::Status;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};

/// The signature fingerprint of the function the caller was built against (hex).
pub const FINGERPRINT_HEADER: &str = "pluto-fingerprint";
/// The id of the call chain, for re-entrant unit locks (decimal).
pub const CHAIN_HEADER: &str = "pluto-chain";

#[derive(Clone, Copy, Default)]
pub struct BytesCodec;

impl Codec for BytesCodec {
    type Encode = Bytes;
    type Decode = Bytes;
    type Encoder = BytesCodec;
    type Decoder = BytesCodec;

    fn encoder(&mut self) -> Self::Encoder {
        BytesCodec
    }

    fn decoder(&mut self) -> Self::Decoder {
        BytesCodec
    }
}

impl Encoder for BytesCodec {
    type Item = Bytes;
    type Error = Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put(item);
        Ok(())
    }
}

impl Decoder for BytesCodec {
    type Item = Bytes;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        let n = src.remaining();
        Ok(Some(src.copy_to_bytes(n)))
    }
}
