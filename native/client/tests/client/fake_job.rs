//! A scripted job behind a wiremock server, for the wait tests: the test changes its status,
//! adds records and raises prompts while the client follows it. It answers `/output` either like
//! our server (honours `after`, long-polls with `wait`) or like a real PSU (ignores both and
//! returns every record at once, numbered or not).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

type Query = Vec<(String, String)>;
type Handler = fn(&FakeJob, &Request) -> ResponseTemplate;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `after` and `wait` honoured.
    LongPoll,
    /// Everything every time, records numbered.
    PsuNumbered,
    /// Everything every time, records without ids.
    PsuUnnumbered,
}

#[derive(Debug, Default)]
struct State {
    status: i32,
    activity: Option<String>,
    records: Vec<String>,
    prompt: Option<Value>,
    answers: Vec<Value>,
    /// Each output request's query, and whether the job had ended when it came.
    output_queries: Vec<(Query, bool)>,
}

#[derive(Clone)]
pub struct FakeJob {
    state: Arc<Mutex<State>>,
    flavor: Flavor,
}

pub const JOB_PATH: &str = "/api/v1/job/1";

impl FakeJob {
    pub async fn mount(server: &MockServer, flavor: Flavor) -> Self {
        let fake = Self {
            state: Arc::new(Mutex::new(State {
                status: 1,
                ..State::default()
            })),
            flavor,
        };
        let routes: [(&str, String, Handler); 4] = [
            ("GET", JOB_PATH.to_owned(), FakeJob::job),
            ("GET", format!("{JOB_PATH}/output"), FakeJob::output),
            ("GET", format!("{JOB_PATH}/feedback"), FakeJob::feedback),
            ("POST", format!("{JOB_PATH}/feedback"), FakeJob::answer),
        ];
        for (verb, route, handler) in routes {
            Mock::given(method(verb))
                .and(path(route))
                .respond_with(Route {
                    fake: fake.clone(),
                    handler,
                })
                .mount(server)
                .await;
        }
        fake
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }

    pub fn push(&self, message: &str) {
        self.with(|s| s.records.push(message.to_owned()));
    }

    pub fn set_status(&self, status: i32) {
        self.with(|s| s.status = status);
    }

    pub fn set_activity(&self, activity: &str) {
        self.with(|s| s.activity = Some(activity.to_owned()));
    }

    /// Makes the job wait on a `Read-Host` prompt.
    pub fn prompt(&self, message: &str) {
        self.with(|s| {
            s.status = 4;
            s.prompt = Some(json!({"jobId": 1, "id": 1, "kind": 0, "message": message}));
        });
    }

    pub fn answers(&self) -> Vec<Value> {
        self.with(|s| s.answers.clone())
    }

    pub fn output_queries(&self) -> Vec<Query> {
        self.with(|s| s.output_queries.iter().map(|(q, _)| q.clone()).collect())
    }

    /// The output queries received while the job ran, and those received after it ended.
    pub fn output_queries_by_phase(&self) -> (Vec<Query>, Vec<Query>) {
        self.with(|s| {
            let (ended, running): (Vec<_>, Vec<_>) =
                s.output_queries.iter().cloned().partition(|(_, e)| *e);
            let strip = |v: Vec<(Query, bool)>| v.into_iter().map(|(q, _)| q).collect();
            (strip(running), strip(ended))
        })
    }

    fn job(&self, _: &Request) -> ResponseTemplate {
        self.with(|s| {
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": 1, "status": s.status, "activity": s.activity}))
        })
    }

    fn output(&self, request: &Request) -> ResponseTemplate {
        let query: Query = request.url.query_pairs().into_owned().collect();
        let param = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.parse::<u64>().ok())
        };
        let (after, wait) = (param("after").unwrap_or(0), param("wait"));
        self.with(|s| {
            let terminal = matches!(s.status, 2 | 3 | 5 | 9 | 10 | 11);
            s.output_queries.push((query.clone(), terminal));
            let numbered = self.flavor != Flavor::PsuUnnumbered;
            let skip = if self.flavor == Flavor::LongPoll {
                after as usize
            } else {
                0
            };
            let records: Vec<Value> = s
                .records
                .iter()
                .enumerate()
                .skip(skip)
                .map(|(i, m)| match numbered {
                    true => json!({"id": i + 1, "type": 0, "message": m}),
                    false => json!({"type": 0, "message": null, "data": m}),
                })
                .collect();
            let hold = match (self.flavor, wait) {
                // Nothing new yet: hold the request like a long-poll (the answer is decided
                // now, so records added meanwhile come with the next one).
                (Flavor::LongPoll, Some(seconds)) if records.is_empty() && !terminal => {
                    Duration::from_secs(seconds)
                }
                _ => Duration::ZERO,
            };
            ResponseTemplate::new(200)
                .set_body_json(records)
                .set_delay(hold)
        })
    }

    fn feedback(&self, _: &Request) -> ResponseTemplate {
        self.with(|s| match &s.prompt {
            Some(prompt) => ResponseTemplate::new(200).set_body_json(prompt),
            None => ResponseTemplate::new(404)
                .set_body_json(json!({"id": "job.feedback.none", "message": "not waiting"})),
        })
    }

    /// Takes the answer, echoes it as a record, and ends the job.
    fn answer(&self, request: &Request) -> ResponseTemplate {
        let body: Value = request.body_json().unwrap_or(Value::Null);
        self.with(|s| {
            s.records.push(format!("answered {}", body["response"]));
            s.answers.push(body);
            s.prompt = None;
            s.status = 2;
        });
        ResponseTemplate::new(204)
    }
}

struct Route {
    fake: FakeJob,
    handler: Handler,
}

impl Respond for Route {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        (self.handler)(&self.fake, request)
    }
}
