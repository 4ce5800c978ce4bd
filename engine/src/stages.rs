//! The seven stages of scaling a web system, as data the engine and the UI share.

/// One of the seven stages, in the order a system grows through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StageId {
    /// Everything on one virtual machine.
    OneVm,
    /// The database moves to its own host.
    SplitDb,
    /// Logs, metrics and product analytics.
    Observe,
    /// A load balancer in front of stateless app servers.
    LoadBalance,
    /// A cache in front of the database and a CDN in front of everything.
    CacheCdn,
    /// A queue and workers take slow work off the request path.
    Async,
    /// Read replicas and shards.
    ReplicasShards,
}

/// One part of a stage's "what breaks" diagram that turns red, and what it reads.
///
/// Labels are plain text: the UI shows live numbers beside them on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SceneLabel {
    /// The diagram node's id, e.g. "db" or "app2".
    pub node: &'static str,
    /// What the node reads while it is failing, e.g. "killed by OOM".
    pub label: &'static str,
}

/// What every part of the app needs to know about a stage: its names, what it
/// adds, the tools people use for it, and the failure it runs into next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stage {
    /// Which stage this is.
    pub id: StageId,
    /// Short name for a stepper or a tab, e.g. "Split DB".
    pub short_name: &'static str,
    /// A one-line title.
    pub title: &'static str,
    /// A short story (two to four sentences) of what this stage adds and why
    /// it is the right move at this point.
    pub summary: &'static str,
    /// Open-source or self-hosted tools for what this stage adds.
    pub open_source: &'static [&'static str],
    /// Managed or enterprise services for what this stage adds.
    pub managed: &'static [&'static str],
    /// Stable codes of the failures this stage runs into, as
    /// [`crate::failure::detect`] names them, the primary one first.
    pub failure_codes: &'static [&'static str],
    /// A few words naming the primary failure, e.g. "The OOM cascade".
    pub failure_title: &'static str,
    /// Two to four plain sentences on what breaks and why, and what fixes it.
    pub failure_explanation: &'static str,
    /// The diagram nodes that turn red when the failure hits, and their labels.
    pub failure_scene: &'static [SceneLabel],
    /// Text for the button that moves on to the next stage; `None` for the last.
    pub next_step: Option<&'static str>,
}

impl Stage {
    /// The code of this stage's primary failure, e.g. "oom_cascade".
    pub fn failure_code(&self) -> &'static str {
        self.failure_codes[0]
    }
}

/// Shorthand for one [`SceneLabel`] in the table below.
const fn red(node: &'static str, label: &'static str) -> SceneLabel {
    SceneLabel { node, label }
}

/// The seven stages in order.
pub const STAGES: [Stage; 7] = [
    Stage {
        id: StageId::OneVm,
        short_name: "1 VM",
        title: "Everything on one machine",
        summary: "The web server, the app, the database and the cron jobs all run together \
                  on a single small virtual machine. With no traffic yet, this is the \
                  quickest way to get something live, and the whole system fits in your \
                  head. It costs a few dollars a month, and for a new product its limits \
                  are still far away.",
        open_source: &[
            "Ubuntu",
            "Nginx",
            "Postgres",
            "pm2",
            "systemd",
            "Hetzner",
            "DigitalOcean",
        ],
        managed: &[
            "AWS Lightsail",
            "GCP Compute Engine",
            "Azure VM",
            "Render",
            "Railway",
        ],
        failure_codes: &["oom_cascade"],
        failure_title: "The OOM cascade",
        failure_explanation: "A query that scans a large table makes Postgres take all the \
                              memory the machine has, and the kernel starts killing \
                              processes to survive. The web server, the app and the cron \
                              jobs share that memory, so they die along with the database, \
                              and every user gets an error until it all restarts. The next \
                              stage gives the database a machine of its own.",
        failure_scene: &[
            red("app", "killed by OOM"),
            red("db", "mem 100% · OOM"),
            red("cron", "stalled"),
        ],
        next_step: Some("Move the database to its own host"),
    },
    Stage {
        id: StageId::SplitDb,
        short_name: "Split DB",
        title: "The database gets its own host",
        summary: "Postgres moves off the app's machine onto a host with memory and disk \
                  reserved for it. The two stop fighting over RAM: the app can fall over \
                  without touching your data, and you size each machine for its own job. \
                  With a managed service, backups and point-in-time recovery stop being \
                  your chore. Reach the database only over a private network.",
        open_source: &["Postgres", "MySQL", "Litestream", "pgBackRest"],
        managed: &[
            "AWS RDS",
            "Google Cloud SQL",
            "Neon",
            "Supabase",
            "PlanetScale",
            "Aiven",
        ],
        failure_codes: &["blind_slowdown"],
        failure_title: "Slow, and nobody knows why",
        failure_explanation: "Users report that pages feel slow, and you have nothing to \
                              check their complaint against. There are no logs, no latency \
                              percentiles and no error counts, so the best you can do is \
                              open a shell on the server and stare at top. The next stage \
                              adds logs, metrics and analytics so you can see where the \
                              time goes.",
        failure_scene: &[
            red("users", "it's slow · p95 ???"),
            red("app", "running silent"),
            red("db", "running silent"),
        ],
        next_step: Some("Add logs, metrics and analytics"),
    },
    Stage {
        id: StageId::Observe,
        short_name: "Observe",
        title: "Logs, metrics and analytics",
        summary: "You now run two machines with no view inside either, so you add three \
                  kinds of signal at once. Structured logs answer which request failed and \
                  why, metrics track CPU, p95 latency and error rate over time, and product \
                  analytics follow people through sign-up and the other steps they take. \
                  Alert on a few numbers users would notice, so a page at night is always \
                  worth waking up for.",
        open_source: &[
            "OpenTelemetry SDK",
            "Prometheus",
            "Grafana",
            "Loki",
            "Alertmanager",
            "PostHog (self-hosted)",
        ],
        managed: &[
            "Datadog",
            "New Relic",
            "Honeycomb",
            "Sentry",
            "Better Stack",
            "PostHog Cloud",
            "Amplitude",
            "Mixpanel",
            "Heap",
        ],
        failure_codes: &["app_saturated"],
        failure_title: "One app server, flat out",
        failure_explanation: "Now the graphs show the problem: the only app server's CPU is \
                              at 100%, requests pile up in its queue, and the slowest give \
                              up with a 504. The database on its own host has little to do. \
                              Every deploy restarts that single server, so users also see \
                              an outage each time you ship. The next stage puts a load \
                              balancer in front of several app servers.",
        failure_scene: &[
            red("app", "CPU 100% · queue full"),
            red("db", "healthy · idle"),
        ],
        next_step: Some("Add a load balancer"),
    },
    Stage {
        id: StageId::LoadBalance,
        short_name: "Load Balance",
        title: "A load balancer and stateless app servers",
        summary: "A load balancer hands each request to one of two or three app servers. \
                  Sessions move out of server memory into a cookie or a shared store, so \
                  any server can answer any request. Shipping becomes a rolling restart \
                  users never notice, and health checks route around a server that has \
                  crashed. The app tier grows by adding machines, but they all still talk \
                  to one database.",
        open_source: &["HAProxy", "Caddy", "Nginx", "Traefik", "Keepalived"],
        managed: &[
            "AWS ALB",
            "Cloudflare Load Balancer",
            "Google Cloud Load Balancing",
            "Vercel",
            "Railway",
            "Fly",
            "Render",
        ],
        failure_codes: &["db_connections_exhausted"],
        failure_title: "Out of database connections",
        failure_explanation: "Every app server fetches the same popular rows, such as user \
                              42's profile, on every request, even though they have not \
                              changed since the last read. All 100 of Postgres's connections \
                              are busy, so new requests wait for one and time out, and each \
                              extra connection would cost the database about 10 MB of \
                              memory. Images and scripts also come all the way from the app \
                              servers. The next stage adds a cache for hot reads and a CDN \
                              for static files.",
        failure_scene: &[
            red("db", "conns 100/100"),
            red("app1", "SELECT user/42 every request"),
            red("app2", "SELECT user/42 every request"),
            red("app3", "SELECT user/42 every request"),
        ],
        next_step: Some("Add a cache and a CDN"),
    },
    Stage {
        id: StageId::CacheCdn,
        short_name: "Cache + CDN",
        title: "A cache for hot reads, a CDN for static files",
        summary: "A CDN keeps copies of your scripts, styles and images at edge locations \
                  near your users, so those requests never reach your servers. A cache \
                  such as Redis answers hot reads, sessions and rate-limit counters from \
                  memory; at a 95% hit rate, only one read in twenty reaches Postgres. The \
                  hard question is when a cached value stops being true, and here a write \
                  clears its key.",
        open_source: &["Redis", "Valkey", "Varnish", "KeyDB"],
        managed: &[
            "Cloudflare",
            "Fastly",
            "AWS CloudFront",
            "Bunny CDN",
            "Vercel",
            "Netlify",
            "Upstash Redis",
            "AWS ElastiCache",
            "Redis Cloud",
            "Momento",
        ],
        failure_codes: &["upstream_blocking"],
        failure_title: "Stuck waiting on a slow API",
        failure_explanation: "Checkout calls a payment API inside the request, and that API \
                              now takes 8.2 seconds at p95. One by one, every app thread \
                              ends up waiting on it, so even simple pages queue behind them \
                              and time out. The database and the cache report healthy the \
                              whole time, which makes this failure confusing at first. The \
                              next stage moves calls like this onto a queue that background \
                              workers drain.",
        failure_scene: &[
            red("app1", "all threads blocked"),
            red("app2", "all threads blocked"),
            red("app3", "all threads blocked"),
            red("api", "p95 8.2 s"),
            red("db", "healthy"),
            red("cache", "healthy"),
        ],
        next_step: Some("Move slow work to a queue"),
    },
    Stage {
        id: StageId::Async,
        short_name: "Async",
        title: "A queue and workers for slow work",
        summary: "Work the user does not need to wait for, like sending email, building \
                  PDFs, calling payment APIs or processing uploads, goes onto a durable \
                  queue. A separate pool of workers takes jobs from it, retries failures \
                  with growing delays, and sets aside jobs that keep failing in a \
                  dead-letter queue. A request now only adds the job and returns, so a \
                  slow provider delays the work without freezing the site.",
        open_source: &[
            "BullMQ",
            "Sidekiq",
            "Celery",
            "RabbitMQ",
            "NATS JetStream",
            "Redis Streams",
        ],
        managed: &[
            "AWS SQS + Lambda",
            "Google Pub/Sub",
            "Vercel Queues",
            "Inngest",
            "Trigger.dev",
            "Temporal Cloud",
        ],
        failure_codes: &["primary_saturated"],
        failure_title: "The primary hits its ceiling",
        failure_explanation: "All the data work lands on a single Postgres primary: the \
                              app's writes, dashboard queries, nightly BI exports and an \
                              analyst's ad-hoc SQL. The big scans keep the disk busy and \
                              hold locks that writes must wait behind, so checkouts and \
                              sign-ups slow down while the app servers have room to spare. \
                              A bigger machine only buys a little time, so the next stage \
                              adds read replicas for reads and shards for writes.",
        failure_scene: &[red("db", "I/O 100% · lock waits")],
        next_step: Some("Add replicas and shards"),
    },
    Stage {
        id: StageId::ReplicasShards,
        short_name: "Replicas + Shard",
        title: "Read replicas and sharded primaries",
        summary: "Read replicas keep copies of the primary and take the read-heavy \
                  traffic: dashboards, search and reports. When writes outgrow one machine, \
                  a shard router splits the data by tenant or user id, and each shard's \
                  primary owns only its slice. You now run many databases instead of one, \
                  and any query or transaction that crosses shards gets much harder. \
                  Choosing the partition key is the decision here that is hardest to undo.",
        open_source: &[
            "Postgres streaming replication",
            "Citus",
            "Vitess",
            "PgBouncer",
        ],
        managed: &[
            "AWS Aurora",
            "Google Cloud Spanner",
            "CockroachDB Cloud",
            "PlanetScale",
            "Neon",
            "Yugabyte",
            "MongoDB Atlas",
        ],
        failure_codes: &["stale_reads", "cross_shard_partial_commit"],
        failure_title: "Stale reads and half-done transfers",
        failure_explanation: "A replica applies the primary's changes a little late, \
                              usually 10 to 100 ms and more under heavy writes, so someone \
                              who just changed their balance can read the old value back. \
                              A transfer between users on two shards needs a two-phase \
                              commit, and if one side fails the debit can stick while the \
                              credit does not. From here you would send a user's reads to \
                              the primary just after they write (read-your-writes), model \
                              multi-shard work as a saga with undo steps, or pick a \
                              partition key that keeps related rows on one shard.",
        failure_scene: &[
            red("replica1", "lag 200 ms · stale read"),
            red("shard1", "debit committed"),
            red("shard2", "credit failed"),
        ],
        next_step: None,
    },
];

/// The stage that runs into failure `code` (as [`crate::failure::CODES`] names it), whose
/// text explains it and whose next stage fixes it.
pub fn stage_of_failure(code: &str) -> Option<&'static Stage> {
    STAGES.iter().find(|s| s.failure_codes.contains(&code))
}

impl StageId {
    /// The stage's position, 1 to 7.
    pub fn number(self) -> u8 {
        self as u8 + 1
    }

    /// The stage numbered `n` (1 to 7), if there is one.
    pub fn from_number(n: u8) -> Option<Self> {
        STAGES.get(usize::from(n).checked_sub(1)?).map(|s| s.id)
    }

    /// This stage's data.
    pub fn stage(self) -> &'static Stage {
        &STAGES[self as usize]
    }

    /// The stage after this one, if any.
    pub fn next(self) -> Option<Self> {
        Self::from_number(self.number() + 1)
    }

    /// The stage before this one, if any.
    pub fn previous(self) -> Option<Self> {
        Self::from_number(self.number().checked_sub(1)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_are_listed_in_order_and_numbered_from_one() {
        for (i, stage) in STAGES.iter().enumerate() {
            assert_eq!(usize::from(stage.id.number()), i + 1);
            assert_eq!(StageId::from_number(stage.id.number()), Some(stage.id));
            assert_eq!(stage.id.stage(), stage);
        }
        assert_eq!(StageId::from_number(0), None);
        assert_eq!(StageId::from_number(8), None);
    }

    #[test]
    fn every_failure_code_has_a_stage_that_explains_it() {
        for code in crate::failure::CODES {
            let stage = stage_of_failure(code).unwrap_or_else(|| panic!("{code}"));
            assert!(stage.failure_codes.contains(&code));
        }
        assert_eq!(
            stage_of_failure("app_saturated").map(|s| s.id),
            Some(StageId::Observe)
        );
        assert!(stage_of_failure("no_such_failure").is_none());
    }

    #[test]
    fn next_and_previous_walk_the_list() {
        assert_eq!(StageId::OneVm.previous(), None);
        assert_eq!(StageId::OneVm.next(), Some(StageId::SplitDb));
        assert_eq!(StageId::ReplicasShards.next(), None);
        assert_eq!(StageId::ReplicasShards.previous(), Some(StageId::Async));
    }

    #[test]
    fn short_names_are_the_ones_the_course_uses() {
        let names: Vec<_> = STAGES.iter().map(|s| s.short_name).collect();
        assert_eq!(
            names,
            [
                "1 VM",
                "Split DB",
                "Observe",
                "Load Balance",
                "Cache + CDN",
                "Async",
                "Replicas + Shard"
            ]
        );
    }

    /// Every piece of text a stage carries, for checks that apply to all of it.
    fn texts(stage: &Stage) -> Vec<&'static str> {
        let mut all = vec![
            stage.short_name,
            stage.title,
            stage.summary,
            stage.failure_title,
            stage.failure_explanation,
        ];
        all.extend(stage.open_source);
        all.extend(stage.managed);
        all.extend(stage.failure_codes);
        all.extend(stage.failure_scene.iter().flat_map(|s| [s.node, s.label]));
        all.extend(stage.next_step);
        all
    }

    #[test]
    fn every_stage_has_its_story_tools_and_failure() {
        for stage in &STAGES {
            let n = stage.id.number();
            assert!(!stage.summary.trim().is_empty(), "stage {n} summary");
            assert!(!stage.open_source.is_empty(), "stage {n} open source");
            assert!(!stage.managed.is_empty(), "stage {n} managed");
            assert!(!stage.failure_codes.is_empty(), "stage {n} codes");
            assert!(!stage.failure_title.trim().is_empty(), "stage {n} title");
            assert!(!stage.failure_explanation.trim().is_empty(), "stage {n}");
            assert!(!stage.failure_scene.is_empty(), "stage {n} scene");
            for text in texts(stage) {
                assert!(!text.trim().is_empty(), "stage {n} has an empty text");
                assert!(!text.contains("TODO"), "stage {n}: {text}");
                assert!(!text.contains('!'), "stage {n}: {text}");
                assert!(!text.contains("  "), "stage {n} doubled space: {text}");
            }
        }
    }

    #[test]
    fn failure_codes_are_the_seven_primaries_in_order() {
        let codes: Vec<_> = STAGES.iter().map(|s| s.failure_code()).collect();
        assert_eq!(
            codes,
            [
                "oom_cascade",
                "blind_slowdown",
                "app_saturated",
                "db_connections_exhausted",
                "upstream_blocking",
                "primary_saturated",
                "stale_reads",
            ]
        );
        assert_eq!(
            StageId::ReplicasShards.stage().failure_codes,
            ["stale_reads", "cross_shard_partial_commit"]
        );
        for stage in &STAGES[..6] {
            assert_eq!(stage.failure_codes.len(), 1);
        }
    }

    #[test]
    fn failure_codes_are_ones_the_classifier_can_report() {
        for stage in &STAGES {
            for code in stage.failure_codes {
                assert!(crate::failure::CODES.contains(code), "{code}");
            }
        }
    }

    #[test]
    fn scene_nodes_belong_to_their_stage_diagram() {
        let allowed: [&[&str]; 7] = [
            &["app", "db", "cron"],
            &["app", "db", "users"],
            &["app", "db"],
            &["db", "app1", "app2", "app3"],
            &["app1", "app2", "app3", "api", "db", "cache"],
            &["db"],
            &["replica1", "shard1", "shard2"],
        ];
        for (stage, allowed) in STAGES.iter().zip(allowed) {
            let mut seen = Vec::new();
            for scene in stage.failure_scene {
                assert!(
                    allowed.contains(&scene.node),
                    "stage {}: unknown node {}",
                    stage.id.number(),
                    scene.node
                );
                assert!(!seen.contains(&scene.node), "{} twice", scene.node);
                seen.push(scene.node);
                assert!(!scene.label.contains("{}"), "{}", scene.label);
            }
        }
    }

    #[test]
    fn only_the_last_stage_has_no_next_step() {
        for stage in &STAGES {
            assert_eq!(stage.next_step.is_none(), stage.id.next().is_none());
        }
        let last = StageId::ReplicasShards.stage();
        assert!(!last.failure_explanation.contains("next stage"));
        for stage in &STAGES[..6] {
            assert!(stage.failure_explanation.contains("next stage"));
        }
    }
}
