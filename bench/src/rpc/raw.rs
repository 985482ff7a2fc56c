//! The raw floor: the same NUL-terminated JSON bytes as varlink, encoded
//! and decoded with serde_json into plain structs, and nothing else (no
//! validation, no dispatch table, no error replies). `rpc_raw_tokio` and
//! `rpc_raw_std` drive it over a tokio and a blocking std socket.

#![allow(dead_code, unreachable_pub)]

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::common::RawItem;

/// Bytes asked for per read.
pub const READ_CHUNK: usize = 64 * 1024;

#[derive(Deserialize)]
struct CallIn<'a> {
    method: &'a str,
    #[serde(borrow, default)]
    parameters: Option<&'a RawValue>,
    #[serde(default)]
    more: bool,
}

#[derive(Serialize)]
pub struct CallOut<'a, P> {
    pub method: &'a str,
    pub parameters: P,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub more: bool,
}

#[derive(Deserialize)]
pub struct ReplyIn<P> {
    pub parameters: P,
    #[serde(default)]
    pub continues: bool,
}

#[derive(Serialize)]
struct ReplyOut<P> {
    parameters: P,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    continues: bool,
}

#[derive(Serialize, Deserialize)]
pub struct Ping<'a> {
    #[serde(borrow)]
    pub ping: &'a str,
}

#[derive(Serialize, Deserialize)]
pub struct Pong {
    pub pong: String,
}

#[derive(Serialize, Deserialize)]
pub struct Items {
    pub items: Vec<RawItem>,
}

#[derive(Serialize, Deserialize)]
pub struct Count {
    pub count: i64,
}

#[derive(Serialize, Deserialize)]
pub struct Index {
    pub index: i64,
}

/// Appends one message and its NUL.
pub fn encode(out: &mut Vec<u8>, value: &impl Serialize) {
    serde_json::to_writer(&mut *out, value).expect("serializing into a Vec cannot fail");
    out.push(0);
}

/// Complete messages at the front of `buf[*start..]`: the end of the next
/// one, if it is complete.
pub fn next_frame(buf: &[u8], start: usize) -> Option<usize> {
    buf[start..].iter().position(|&b| b == 0).map(|i| start + i)
}

/// Drops the consumed front of the buffer.
pub fn compact(buf: &mut Vec<u8>, start: &mut usize) {
    if *start > 0 {
        buf.drain(..*start);
        *start = 0;
    }
}

/// Handles one call: appends its replies to `out` (all the replies of a
/// stream, which the floor writes in one go).
pub fn handle(message: &[u8], out: &mut Vec<u8>) {
    let call: CallIn<'_> = serde_json::from_slice(message).expect("a valid call");
    let parameters = call.parameters.map_or("{}", RawValue::get);
    match call.method {
        "org.example.bench.Ping" => {
            let p: Ping<'_> = serde_json::from_str(parameters).expect("Ping parameters");
            encode(
                out,
                &ReplyOut {
                    parameters: Pong {
                        pong: p.ping.to_owned(),
                    },
                    continues: false,
                },
            );
        }
        "org.example.bench.Echo" => {
            let p: Items = serde_json::from_str(parameters).expect("Echo parameters");
            encode(
                out,
                &ReplyOut {
                    parameters: p,
                    continues: false,
                },
            );
        }
        "org.example.bench.Stream" => {
            let p: Count = serde_json::from_str(parameters).expect("Stream parameters");
            for index in 0..p.count {
                encode(
                    out,
                    &ReplyOut {
                        parameters: Index { index },
                        continues: call.more && index + 1 < p.count,
                    },
                );
            }
        }
        other => panic!("unknown method {other}"),
    }
}
