//! The certification service.
//!
//! Like the reference servers (Python, Rust, Go), it keeps per-client state:
//! `Start` hands out a random client id, every later call must come with a
//! known id and be the next call of the sequence, and ids expire (after 12
//! hours by default). An unknown or expired id is answered with
//! `ClientIdError`; a call out of order or with any difference from what
//! the sequence wants is answered with `CertificationError { wants, got }`,
//! and the client's state is dropped, so that a broken run cannot go on.
//!
//! "Exactly" means the whole request: the generated adapter has already
//! deserialized the arguments (refusing unknown fields with
//! `InvalidParameter`), and each step then compares the request as a JSON
//! object, method, parameters and flags, with the one it wants. The
//! adapter hands the handler typed values only, so [`CertificationInterface`]
//! wraps it and makes the raw request visible to the handler through a
//! task-local for the duration of the call. Absent, `null` and `{}`
//! parameters are the same (UAPI.20), and so are an absent member and a
//! `null` one; numbers compare by value (`1` equals `1.0`), as they do for
//! the Python reference.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::Read;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use varlink_runtime::server::DispatchFuture;
use varlink_runtime::{Address, CallContext, Interface, Listener, MethodCall, Service};

use crate::certification::{
    Certification, CertificationServer, EndReply, Error, Interface as IfaceType, InterfaceAnon,
    InterfaceFoo, MyType, MyTypeEnum, MyTypeStruct, StartReply, Test01Reply, Test02Reply,
    Test03Reply, Test04Reply, Test05Reply, Test06Reply, Test06ReplyStruct, Test07ParamsStruct,
    Test07Reply, Test08Reply, Test09Reply, Test10Reply, Test11Reply,
};

/// How long a client id stays valid, as in the reference servers.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);

const PREFIX: &str = "org.varlink.certification.";

tokio::task_local! {
    /// The request being handled, as a JSON object.
    static REQUEST: Value;
}

/// A service with the certification interface, as the command line serves
/// it.
pub fn service() -> Service {
    service_with_lifetime(DEFAULT_LIFETIME)
}

/// [`service`] with client ids that expire after `lifetime`.
pub fn service_with_lifetime(lifetime: Duration) -> Service {
    let mut service = Service::new(
        "Varlink",
        "Varlink Certification Suite (Rust, generated)",
        env!("CARGO_PKG_VERSION"),
        "https://github.com/varlink",
    );
    service.add_interface(CertificationInterface::new(lifetime));
    service
}

/// Serves [`service`] on the socket passed by socket activation when there
/// is one (as `exec:` addresses and `varlink --activate` start a service),
/// otherwise on `address`. Runs until the process is stopped.
pub async fn serve(address: Option<&str>) -> Result<(), varlink_runtime::Error> {
    let listener = match Listener::from_activation()? {
        Some(listener) => listener,
        None => {
            let Some(address) = address else {
                return Err(varlink_runtime::Error::Usage(
                    "no address given and no socket passed by activation",
                ));
            };
            let address: Address = address.parse()?;
            Listener::bind(&address).await?
        }
    };
    service().serve(listener).await
}

/// The generated adapter around [`CertificationService`], with the raw
/// request made visible to the handlers.
pub struct CertificationInterface {
    inner: CertificationServer<CertificationService>,
}

impl CertificationInterface {
    /// An interface whose client ids expire after `lifetime`.
    pub fn new(lifetime: Duration) -> Self {
        Self {
            inner: CertificationServer::new(CertificationService::new(lifetime)),
        }
    }
}

impl Interface for CertificationInterface {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn description(&self) -> &str {
        self.inner.description()
    }

    fn dispatch<'a>(
        &'a self,
        call: &'a MethodCall,
        ctx: &'a mut CallContext,
    ) -> DispatchFuture<'a> {
        Box::pin(REQUEST.scope(request_of(call), self.inner.dispatch(call, ctx)))
    }
}

/// The request as the client sent it, in the shape the reference servers
/// compare: `method`, `parameters` unless empty, and the flag members sent.
fn request_of(call: &MethodCall) -> Value {
    let mut request = Map::new();
    request.insert("method".into(), call.method().into());
    if let Some(text) = call.parameters() {
        let parameters: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        if parameters.as_object().is_some_and(|p| !p.is_empty()) {
            request.insert("parameters".into(), parameters);
        }
    }
    // Every flag member the client sent, with its value: a `"more": false`
    // the reference wants left out must fail the check.
    let (flags, present) = (call.flags(), call.flags_present());
    for (sent, set, name) in [
        (present.more, flags.more, "more"),
        (present.oneway, flags.oneway, "oneway"),
        (present.upgrade, flags.upgrade, "upgrade"),
    ] {
        if sent {
            request.insert(name.into(), set.into());
        }
    }
    Value::Object(request)
}

/// Drops `null` members of objects, at every depth (array elements stay).
fn normalize(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), normalize(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

/// JSON equality where numbers compare by value.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x == y
                || (x.as_f64().is_some() && x.as_f64() == y.as_f64() && (x.is_f64() || y.is_f64()))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same(v, w))
        }
        _ => a == b,
    }
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => {
            let mut map = Map::new();
            map.insert("value".into(), other);
            map
        }
    }
}

/// The request being handled (an empty object outside a call).
fn current_request() -> Value {
    REQUEST
        .try_with(Value::clone)
        .unwrap_or_else(|_| Value::Object(Map::new()))
}

/// What the reference servers return from `Test09` and want back in
/// `Test10`.
pub fn new_mytype() -> MyType {
    let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    MyType {
        object: object(json!({
            "method": "org.varlink.certification.Test09",
            "parameters": {"map": {"foo": "Foo", "bar": "Bar"}}
        })),
        r#enum: MyTypeEnum::Two,
        r#struct: MyTypeStruct {
            first: 1,
            second: "2".into(),
        },
        array: vec!["one".into(), "two".into(), "three".into()],
        dictionary: HashMap::from([pair("foo", "Foo"), pair("bar", "Bar")]),
        stringset: three_strings(),
        nullable: None,
        nullable_array_struct: None,
        interface: IfaceType {
            foo: Some(vec![
                None,
                Some(HashMap::from([
                    ("foo".to_owned(), InterfaceFoo::Foo),
                    ("bar".to_owned(), InterfaceFoo::Bar),
                ])),
                None,
                Some(HashMap::from([
                    ("one".to_owned(), InterfaceFoo::Foo),
                    ("two".to_owned(), InterfaceFoo::Bar),
                ])),
            ]),
            anon: InterfaceAnon {
                foo: true,
                bar: false,
            },
        },
    }
}

fn three_strings() -> HashSet<String> {
    ["one", "two", "three"].map(String::from).into()
}

fn foo_bar_map() -> HashMap<String, String> {
    HashMap::from([
        ("foo".to_owned(), "Foo".to_owned()),
        ("bar".to_owned(), "Bar".to_owned()),
    ])
}

/// The last ten replies of `Test10`, as `Test11` wants them back.
fn more_replies() -> Vec<String> {
    (1..=10).map(|i| format!("Reply number {i}")).collect()
}

/// The client ids handed out, the call each expects next, and when each
/// was handed out (oldest first, for expiry).
#[derive(Default)]
struct Clients {
    next: HashMap<String, &'static str>,
    started: VecDeque<(Instant, String)>,
}

/// The state of the certification service: see the module documentation.
pub struct CertificationService {
    clients: Mutex<Clients>,
    lifetime: Duration,
}

impl CertificationService {
    /// A service whose client ids expire after `lifetime`.
    pub fn new(lifetime: Duration) -> Self {
        Self {
            clients: Mutex::new(Clients::default()),
            lifetime,
        }
    }

    fn clients(&self) -> std::sync::MutexGuard<'_, Clients> {
        // A panicking handler cannot leave the map half-updated (each
        // update is one insert or remove), so a poisoned lock is usable.
        self.clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn expire(&self, clients: &mut Clients) {
        while let Some((started, id)) = clients.started.front() {
            if started.elapsed() < self.lifetime {
                break;
            }
            clients.next.remove(id);
            clients.started.pop_front();
        }
    }

    /// Checks that `client_id` is known and that `method` is its next call,
    /// and moves it on to `next` (`None`: the sequence is over).
    fn advance(
        &self,
        client_id: &str,
        method: &'static str,
        next: Option<&'static str>,
    ) -> Result<(), Error> {
        let mut clients = self.clients();
        self.expire(&mut clients);
        let Some(expected) = clients.next.get(client_id).copied() else {
            return Err(Error::ClientIdError);
        };
        if expected != method {
            clients.next.remove(client_id);
            return Err(Error::CertificationError {
                wants: object(json!({ "method": format!("{PREFIX}{expected}") })),
                got: object(current_request()),
            });
        }
        match next {
            Some(next) => clients.next.insert(client_id.to_owned(), next),
            None => clients.next.remove(client_id),
        };
        Ok(())
    }

    /// Compares the request with `wants`; on a difference, forgets the
    /// client and fails with both.
    fn check(&self, client_id: Option<&str>, wants: Value) -> Result<(), Error> {
        let got = current_request();
        if same(&normalize(&wants), &normalize(&got)) {
            return Ok(());
        }
        if let Some(id) = client_id {
            self.clients().next.remove(id);
        }
        Err(Error::CertificationError {
            wants: object(wants),
            got: object(got),
        })
    }

    /// A plain call of `method` with `parameters` (which include the client id).
    fn check_call(&self, client_id: &str, method: &str, parameters: Value) -> Result<(), Error> {
        self.check(
            Some(client_id),
            json!({ "method": format!("{PREFIX}{method}"), "parameters": parameters }),
        )
    }

    fn new_client_id(&self) -> String {
        let mut bytes = [0u8; 16];
        let random = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
        if random.is_err() {
            // Without /dev/urandom, ids only need to be unique.
            use std::hash::{BuildHasher, Hasher};
            let state = std::collections::hash_map::RandomState::new();
            for chunk in bytes.chunks_mut(8) {
                let mut h = state.build_hasher();
                h.write_u128(
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_nanos()),
                );
                chunk.copy_from_slice(&h.finish().to_le_bytes());
            }
        }
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl Certification for CertificationService {
    async fn start(&self, _context: &mut CallContext) -> Result<StartReply, Error> {
        self.check(None, json!({ "method": format!("{PREFIX}Start") }))?;
        let client_id = self.new_client_id();
        let mut clients = self.clients();
        self.expire(&mut clients);
        clients.next.insert(client_id.clone(), "Test01");
        clients
            .started
            .push_back((Instant::now(), client_id.clone()));
        Ok(StartReply { client_id })
    }

    async fn test01(
        &self,
        _context: &mut CallContext,
        client_id: String,
    ) -> Result<Test01Reply, Error> {
        self.advance(&client_id, "Test01", Some("Test02"))?;
        self.check_call(&client_id, "Test01", json!({ "client_id": client_id }))?;
        Ok(Test01Reply { bool: true })
    }

    async fn test02(
        &self,
        _context: &mut CallContext,
        client_id: String,
        _bool: bool,
    ) -> Result<Test02Reply, Error> {
        self.advance(&client_id, "Test02", Some("Test03"))?;
        self.check_call(
            &client_id,
            "Test02",
            json!({ "client_id": client_id, "bool": true }),
        )?;
        Ok(Test02Reply { int: 1 })
    }

    async fn test03(
        &self,
        _context: &mut CallContext,
        client_id: String,
        _int: i64,
    ) -> Result<Test03Reply, Error> {
        self.advance(&client_id, "Test03", Some("Test04"))?;
        self.check_call(
            &client_id,
            "Test03",
            json!({ "client_id": client_id, "int": 1 }),
        )?;
        Ok(Test03Reply { float: 1.0 })
    }

    async fn test04(
        &self,
        _context: &mut CallContext,
        client_id: String,
        _float: f64,
    ) -> Result<Test04Reply, Error> {
        self.advance(&client_id, "Test04", Some("Test05"))?;
        self.check_call(
            &client_id,
            "Test04",
            json!({ "client_id": client_id, "float": 1.0 }),
        )?;
        Ok(Test04Reply {
            string: "ping".into(),
        })
    }

    async fn test05(
        &self,
        _context: &mut CallContext,
        client_id: String,
        _string: String,
    ) -> Result<Test05Reply, Error> {
        self.advance(&client_id, "Test05", Some("Test06"))?;
        self.check_call(
            &client_id,
            "Test05",
            json!({ "client_id": client_id, "string": "ping" }),
        )?;
        Ok(Test05Reply {
            bool: false,
            int: 2,
            float: std::f64::consts::PI,
            string: "a lot of string".into(),
        })
    }

    async fn test06(
        &self,
        _context: &mut CallContext,
        client_id: String,
        _bool: bool,
        _int: i64,
        _float: f64,
        _string: String,
    ) -> Result<Test06Reply, Error> {
        self.advance(&client_id, "Test06", Some("Test07"))?;
        self.check_call(
            &client_id,
            "Test06",
            json!({
                "client_id": client_id,
                "bool": false,
                "int": 2,
                "float": std::f64::consts::PI,
                "string": "a lot of string",
            }),
        )?;
        Ok(Test06Reply {
            r#struct: Test06ReplyStruct {
                bool: false,
                int: 2,
                float: std::f64::consts::PI,
                string: "a lot of string".into(),
            },
        })
    }

    async fn test07(
        &self,
        _context: &mut CallContext,
        client_id: String,
        _struct: Test07ParamsStruct,
    ) -> Result<Test07Reply, Error> {
        self.advance(&client_id, "Test07", Some("Test08"))?;
        self.check_call(
            &client_id,
            "Test07",
            json!({
                "client_id": client_id,
                "struct": {
                    "bool": false,
                    "int": 2,
                    "float": std::f64::consts::PI,
                    "string": "a lot of string",
                },
            }),
        )?;
        Ok(Test07Reply { map: foo_bar_map() })
    }

    async fn test08(
        &self,
        _context: &mut CallContext,
        client_id: String,
        _map: HashMap<String, String>,
    ) -> Result<Test08Reply, Error> {
        self.advance(&client_id, "Test08", Some("Test09"))?;
        self.check_call(
            &client_id,
            "Test08",
            json!({ "client_id": client_id, "map": {"foo": "Foo", "bar": "Bar"} }),
        )?;
        Ok(Test08Reply {
            set: three_strings(),
        })
    }

    async fn test09(
        &self,
        _context: &mut CallContext,
        client_id: String,
        _set: HashSet<String>,
    ) -> Result<Test09Reply, Error> {
        self.advance(&client_id, "Test09", Some("Test10"))?;
        self.check_call(
            &client_id,
            "Test09",
            json!({ "client_id": client_id, "set": {"one": {}, "two": {}, "three": {}} }),
        )?;
        Ok(Test09Reply {
            mytype: new_mytype(),
        })
    }

    async fn test10(
        &self,
        context: &mut CallContext,
        client_id: String,
        _mytype: MyType,
    ) -> Result<Test10Reply, Error> {
        self.advance(&client_id, "Test10", Some("Test11"))?;
        self.check(
            Some(&client_id),
            json!({
                "method": format!("{PREFIX}Test10"),
                "more": true,
                "parameters": { "client_id": client_id, "mytype": new_mytype() },
            }),
        )?;
        let mut replies = more_replies();
        let last = replies.pop().unwrap_or_default();
        for string in replies {
            context.reply_continues(&Test10Reply { string }).await?;
        }
        Ok(Test10Reply { string: last })
    }

    async fn test11(
        &self,
        _context: &mut CallContext,
        client_id: String,
        _last_more_replies: Vec<String>,
    ) -> Result<Test11Reply, Error> {
        self.advance(&client_id, "Test11", Some("End"))?;
        self.check(
            Some(&client_id),
            json!({
                "method": format!("{PREFIX}Test11"),
                "oneway": true,
                "parameters": { "client_id": client_id, "last_more_replies": more_replies() },
            }),
        )?;
        Ok(Test11Reply {})
    }

    async fn end(&self, _context: &mut CallContext, client_id: String) -> Result<EndReply, Error> {
        self.advance(&client_id, "End", None)?;
        self.check_call(&client_id, "End", json!({ "client_id": client_id }))?;
        Ok(EndReply { all_ok: true })
    }
}
