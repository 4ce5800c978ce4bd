//! The parts of a web system and the resources inside them, as types: a part is a tier and an
//! index within it, a resource is a part and the role its servers play. Nothing in the engine
//! or the page finds a part by its name; names are only written, for people and for JSON.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A kind of part of the system, in the order a request meets them (the diagram's columns
/// follow this order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// The people using the site.
    Users,
    /// Dashboards, BI exports and analysts' ad-hoc SQL: load on the databases from inside.
    Analysts,
    /// The CDN's edge servers.
    Cdn,
    /// The load balancer.
    LoadBalancer,
    /// An app server (on stage 1, the web server and the app on the one VM).
    App,
    /// The in-memory cache.
    Cache,
    /// The durable job queue and its workers.
    Queue,
    /// Third-party APIs (payments, sign-in).
    ThirdParty,
    /// The scheduled report (cron).
    Cron,
    /// The shard router: sends each tenant's queries to the shard that owns the tenant.
    ShardRouter,
    /// A database primary: the one database, or one shard.
    Database,
    /// A read replica of a primary.
    Replica,
    /// Logs, metrics and product analytics (observability).
    Observability,
}

/// A part of the system: a tier and which one of it.
///
/// For a replica, the index packs its shard (high byte) and its number within the shard (low
/// byte); every other tier numbers its members from 0. Written as its stable id ("app2").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartId {
    /// What kind of part.
    pub tier: Tier,
    /// Which one of its tier.
    pub index: u16,
}

impl PartId {
    /// The first (or only) part of `tier`.
    pub const fn first(tier: Tier) -> Self {
        Self { tier, index: 0 }
    }

    /// Part `index` of `tier`.
    pub const fn new(tier: Tier, index: u16) -> Self {
        Self { tier, index }
    }

    /// Replica `number` (from 0) of shard `shard` (from 0).
    pub const fn replica(shard: u16, number: u16) -> Self {
        Self {
            tier: Tier::Replica,
            index: shard << 8 | (number & 0xff),
        }
    }

    /// For a replica, its shard; for a database, itself; otherwise 0.
    pub fn shard(self) -> u16 {
        match self.tier {
            Tier::Replica => self.index >> 8,
            _ => self.index,
        }
    }

    /// For a replica, its number within its shard.
    pub fn replica_number(self) -> u16 {
        self.index & 0xff
    }
}

/// What the servers of a resource are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Worker threads that hold a request from start to end.
    Threads,
    /// CPU cores.
    Cores,
    /// Database connections.
    Connections,
    /// Disk I/O channels.
    Disk,
    /// Row locks writes hold while they commit.
    RowLocks,
    /// Queue workers.
    Workers,
    /// Calls to an outside service (no limit of our own).
    Calls,
    /// Requests passing through (a load balancer or an edge: no limit of our own).
    Requests,
    /// Cache operations.
    Operations,
    /// Report runs.
    Runs,
}

impl Role {
    /// A short word for the role, as gauges and JSON use it.
    pub fn word(self) -> &'static str {
        match self {
            Role::Threads => "threads",
            Role::Cores => "cores",
            Role::Connections => "connections",
            Role::Disk => "disk",
            Role::RowLocks => "row locks",
            Role::Workers => "workers",
            Role::Calls => "calls",
            Role::Requests => "requests",
            Role::Operations => "operations",
            Role::Runs => "runs",
        }
    }

    /// Every role.
    pub const ALL: [Role; 10] = [
        Role::Threads,
        Role::Cores,
        Role::Connections,
        Role::Disk,
        Role::RowLocks,
        Role::Workers,
        Role::Calls,
        Role::Requests,
        Role::Operations,
        Role::Runs,
    ];

    /// The role in a resource's stable id ("app1.threads").
    fn key(self) -> &'static str {
        match self {
            Role::Threads => "threads",
            Role::Cores => "cpu",
            Role::Connections => "connections",
            Role::Disk => "io",
            Role::RowLocks => "locks",
            Role::Workers => "workers",
            Role::Calls => "calls",
            Role::Requests => "requests",
            Role::Operations => "ops",
            Role::Runs => "runs",
        }
    }
}

/// A resource: the servers of one role inside one part. Written as its stable id
/// ("app2.threads").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceId {
    /// The part it is in.
    pub part: PartId,
    /// What its servers are.
    pub role: Role,
}

impl ResourceId {
    /// The `role` servers of `part`.
    pub const fn new(part: PartId, role: Role) -> Self {
        Self { part, role }
    }

    /// A name for people: "App server 2 · threads".
    pub fn name(self, parts: &PartNames) -> String {
        format!("{} · {}", parts.name(self.part), self.role.word())
    }
}

/// How many of each numbered tier there are, which decides how parts are named (one database
/// is "Postgres"; several are "Shard 1", "Shard 2"...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PartNames {
    /// App servers.
    pub apps: u16,
    /// Database primaries (shards).
    pub shards: u16,
    /// Web, app, database and cron share one machine.
    pub shared_vm: bool,
}

impl PartNames {
    /// A name for people: "App server 2", "Postgres", "Shard 3", "Replica 2B".
    pub fn name(&self, part: PartId) -> String {
        let n = part.index + 1;
        match part.tier {
            Tier::Users => "Users".into(),
            Tier::Analysts => "Dashboards + BI".into(),
            Tier::Cdn => "CDN edge".into(),
            Tier::LoadBalancer => "Load balancer".into(),
            Tier::App if self.shared_vm => "Web + app".into(),
            Tier::App if self.apps <= 1 => "App server".into(),
            Tier::App => format!("App server {n}"),
            Tier::Cache => "Cache".into(),
            Tier::Queue => "Queue + workers".into(),
            Tier::ThirdParty => "Third-party APIs".into(),
            Tier::Cron => "Cron report".into(),
            Tier::ShardRouter => "Shard router".into(),
            Tier::Database if self.shards <= 1 => "Postgres".into(),
            Tier::Database => format!("Shard {n}"),
            Tier::Replica => {
                let letter = char::from(b'A' + (part.replica_number() % 26) as u8);
                if self.shards <= 1 {
                    format!("Replica {letter}")
                } else {
                    format!("Replica {}{letter}", part.shard() + 1)
                }
            }
            Tier::Observability => "Logs + metrics".into(),
        }
    }
}

impl fmt::Display for PartId {
    /// A stable id for JSON and tests: "users", "app", "app2", "db", "shard3", "replica1b".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.index + 1;
        match self.tier {
            Tier::Users => f.write_str("users"),
            Tier::Analysts => f.write_str("analysts"),
            Tier::Cdn => f.write_str("cdn"),
            Tier::LoadBalancer => f.write_str("lb"),
            Tier::App => write!(f, "app{n}"),
            Tier::Cache => f.write_str("cache"),
            Tier::Queue => f.write_str("queue"),
            Tier::ThirdParty => f.write_str("api"),
            Tier::Cron => f.write_str("cron"),
            Tier::ShardRouter => f.write_str("router"),
            Tier::Database => write!(f, "db{n}"),
            Tier::Replica => {
                let letter = char::from(b'a' + (self.replica_number() % 26) as u8);
                write!(f, "replica{}{letter}", self.shard() + 1)
            }
            Tier::Observability => f.write_str("observability"),
        }
    }
}

impl fmt::Display for ResourceId {
    /// A stable id for JSON and tests: "app2.threads", "db1.connections".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.part, self.role.key())
    }
}

impl std::str::FromStr for PartId {
    type Err = String;

    /// Reads a stable id back ("app2", "db1", "replica3b").
    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("not a part: {text:?}");
        let number = |rest: &str| -> Result<u16, String> {
            let n: u16 = rest.parse().map_err(|_| bad())?;
            n.checked_sub(1).ok_or_else(bad)
        };
        let fixed = [
            ("users", Tier::Users),
            ("analysts", Tier::Analysts),
            ("cdn", Tier::Cdn),
            ("lb", Tier::LoadBalancer),
            ("cache", Tier::Cache),
            ("queue", Tier::Queue),
            ("api", Tier::ThirdParty),
            ("cron", Tier::Cron),
            ("router", Tier::ShardRouter),
            ("observability", Tier::Observability),
        ];
        if let Some(&(_, tier)) = fixed.iter().find(|(name, _)| *name == text) {
            return Ok(Self::first(tier));
        }
        if let Some(rest) = text.strip_prefix("app") {
            return Ok(Self::new(Tier::App, number(rest)?));
        }
        if let Some(rest) = text.strip_prefix("db") {
            return Ok(Self::new(Tier::Database, number(rest)?));
        }
        if let Some(rest) = text.strip_prefix("replica") {
            let letter = rest.chars().last().ok_or_else(bad)?;
            if !letter.is_ascii_lowercase() {
                return Err(bad());
            }
            let shard = number(&rest[..rest.len() - 1])?;
            return Ok(Self::replica(shard, u16::from(letter as u8 - b'a')));
        }
        Err(bad())
    }
}

impl std::str::FromStr for ResourceId {
    type Err = String;

    /// Reads a stable id back ("app2.threads").
    fn from_str(text: &str) -> Result<Self, String> {
        let (part, role) = text
            .rsplit_once('.')
            .ok_or_else(|| format!("not a resource: {text:?}"))?;
        let role = Role::ALL
            .into_iter()
            .find(|r| r.key() == role)
            .ok_or_else(|| format!("not a role: {role:?}"))?;
        Ok(Self::new(part.parse()?, role))
    }
}

/// Ids are written as their stable text in JSON and other formats for people ("app2.threads"),
/// and as their fields in compact binary ones (the messages between the page and the engine's
/// worker), where the text would only cost bytes and parsing. `$fields` is the field tuple's
/// type, `$to` makes it from an id and `$from` the id from it.
macro_rules! as_text_or_fields {
    ($t:ty, $fields:ty, $to:expr, $from:expr) => {
        impl Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                if s.is_human_readable() {
                    s.collect_str(self)
                } else {
                    let to: fn(&$t) -> $fields = $to;
                    to(self).serialize(s)
                }
            }
        }

        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                if d.is_human_readable() {
                    let text = String::deserialize(d)?;
                    text.parse().map_err(serde::de::Error::custom)
                } else {
                    let from: fn($fields) -> $t = $from;
                    <$fields>::deserialize(d).map(from)
                }
            }
        }
    };
}

as_text_or_fields!(PartId, (Tier, u16), |p| (p.tier, p.index), |(
    tier,
    index,
)| {
    PartId { tier, index }
});
as_text_or_fields!(ResourceId, (PartId, Role), |r| (r.part, r.role), |(
    part,
    role,
)| {
    ResourceId { part, role }
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replicas_pack_their_shard_and_number() {
        let r = PartId::replica(3, 1);
        assert_eq!((r.shard(), r.replica_number()), (3, 1));
        assert_eq!(r.to_string(), "replica4b");
        let names = PartNames {
            apps: 3,
            shards: 4,
            shared_vm: false,
        };
        assert_eq!(names.name(r), "Replica 4B");
        assert_eq!(names.name(PartId::new(Tier::Database, 2)), "Shard 3");
    }

    #[test]
    fn ids_read_back_what_they_write() {
        let parts = [
            PartId::first(Tier::Users),
            PartId::new(Tier::App, 11),
            PartId::new(Tier::Database, 0),
            PartId::replica(15, 7),
            PartId::first(Tier::ShardRouter),
            PartId::first(Tier::Observability),
        ];
        for p in parts {
            assert_eq!(p.to_string().parse::<PartId>(), Ok(p));
            for role in Role::ALL {
                let id = ResourceId::new(p, role);
                assert_eq!(id.to_string().parse::<ResourceId>(), Ok(id));
            }
        }
        assert!("app0".parse::<PartId>().is_err());
        assert!("replica1".parse::<PartId>().is_err());
        assert!("db1.nothing".parse::<ResourceId>().is_err());
        let json = serde_json::to_string(&ResourceId::new(parts[1], Role::Threads)).unwrap();
        assert_eq!(json, "\"app12.threads\"");
        // In the compact messages, an id is its fields: a few bytes, read back the same.
        for p in parts {
            let id = ResourceId::new(p, Role::Connections);
            let bytes = postcard::to_allocvec(&id).unwrap();
            assert!(bytes.len() <= 5, "{bytes:?}");
            assert_eq!(postcard::from_bytes::<ResourceId>(&bytes), Ok(id));
        }
    }

    #[test]
    fn names_follow_how_many_there_are() {
        let one = PartNames {
            apps: 1,
            shards: 1,
            shared_vm: false,
        };
        let app = PartId::first(Tier::App);
        assert_eq!(one.name(app), "App server");
        assert_eq!(one.name(PartId::first(Tier::Database)), "Postgres");
        assert_eq!(one.name(PartId::replica(0, 0)), "Replica A");
        let vm = PartNames {
            shared_vm: true,
            ..one
        };
        assert_eq!(vm.name(app), "Web + app");
        let three = PartNames { apps: 3, ..one };
        assert_eq!(three.name(PartId::new(Tier::App, 1)), "App server 2");
        let threads = ResourceId::new(PartId::new(Tier::App, 1), Role::Threads);
        assert_eq!(threads.name(&three), "App server 2 · threads");
        assert_eq!(threads.to_string(), "app2.threads");
    }
}
