"""The catalogue of the three AIOpsLab applications: their components, wiring and request workload.

This is the simulator's static knowledge (what the Helm charts and manifests of AIOpsLab deploy). The
cluster state built from it (``agents.sim.state``) is what faults change; nothing here changes at run time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

HOTEL_RESERVATION = "HotelReservation"
SOCIAL_NETWORK = "SocialNetwork"
ASTRONOMY_SHOP = "AstronomyShop"

# Roles decide which rules apply to a component: how it starts, what it logs, how callers see it fail.
APP = "app"
MONGODB = "mongodb"
MEMCACHED = "memcached"
REDIS = "redis"
INFRA = "infra"


@dataclass(frozen=True)
class Component:
    """One Deployment and its Service. ``calls`` are the components it talks to (servers, caches, DBs)."""

    name: str
    role: str
    image: str
    port: int
    protocol: str
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    calls: tuple[str, ...] = ()
    database: str | None = None
    db_name: str | None = None
    language: str = "go"
    binary: str | None = None
    memory_mib: int = 64

    @property
    def is_database(self) -> bool:
        return self.role == MONGODB


@dataclass(frozen=True)
class Operation:
    """A kind of user request: its share of the workload and the call edges it walks, in order."""

    name: str
    weight: float
    edges: tuple[tuple[str, str], ...]
    http_route: str


@dataclass(frozen=True)
class AppSpec:
    """An application as AIOpsLab deploys it."""

    name: str
    namespace: str
    label_key: str
    components: tuple[Component, ...]
    operations: tuple[Operation, ...]
    entry: str
    trace_sampling: float
    helm_release: str | None
    helm_chart: str | None
    summary: str
    extra_labels: tuple[str, ...] = field(default=())

    @property
    def services(self) -> tuple[str, ...]:
        return tuple(component.name for component in self.components)

    def component(self, name: str) -> Component:
        for component in self.components:
            if component.name == name:
                return component
        raise KeyError(name)

    def has(self, name: str) -> bool:
        return any(component.name == name for component in self.components)

    def pod_labels(self, name: str) -> dict[str, str]:
        labels = {self.label_key: name}
        for key in self.extra_labels:
            labels[key] = name
        return labels

    def callers_of(self, name: str) -> tuple[str, ...]:
        return tuple(component.name for component in self.components if name in component.calls)


def _hotel() -> AppSpec:
    image = "yinfangchen/hotelreservation:latest"

    def go(name: str, port: int, calls: tuple[str, ...] = (), database: str | None = None) -> Component:
        return Component(
            name=name,
            role=APP,
            image=image,
            port=port,
            protocol="grpc",
            command=(name,),
            calls=calls + ((database,) if database else ()),
            database=database,
            db_name=f"{name}-db" if database else None,
            binary=name,
            memory_mib=24,
        )

    def mongo(name: str, auth: bool) -> Component:
        return Component(
            name=name,
            role=MONGODB,
            image="mongo:4.4.6",
            port=27017,
            protocol="mongo",
            args=("--auth",) if auth else (),
            language="mongod",
            memory_mib=180,
        )

    def memcached(name: str) -> Component:
        return Component(
            name=name,
            role=MEMCACHED,
            image="memcached:1.6.7",
            port=11211,
            protocol="memcache",
            command=("memcached",),
            args=("-m", "128", "-t", "2", "-I", "5m"),
            language="c",
            memory_mib=12,
        )

    components = (
        Component(
            name="frontend",
            role=APP,
            image=image,
            port=5000,
            protocol="http",
            command=("frontend",),
            calls=("search", "profile", "recommendation", "user", "reservation"),
            binary="frontend",
            memory_mib=30,
        ),
        go("search", 8082, calls=("geo", "rate")),
        go("geo", 8083, database="mongodb-geo"),
        go("rate", 8084, calls=("memcached-rate",), database="mongodb-rate"),
        go("profile", 8081, calls=("memcached-profile",), database="mongodb-profile"),
        go("recommendation", 8085, database="mongodb-recommendation"),
        go("user", 8086, database="mongodb-user"),
        go("reservation", 8087, calls=("memcached-reserve",), database="mongodb-reservation"),
        mongo("mongodb-geo", auth=True),
        mongo("mongodb-profile", auth=False),
        mongo("mongodb-rate", auth=True),
        mongo("mongodb-recommendation", auth=False),
        mongo("mongodb-reservation", auth=False),
        mongo("mongodb-user", auth=False),
        memcached("memcached-profile"),
        memcached("memcached-rate"),
        memcached("memcached-reserve"),
        Component(
            name="consul",
            role=INFRA,
            image="hashicorp/consul:1.13.2",
            port=8500,
            protocol="http",
            language="consul",
            memory_mib=40,
        ),
        Component(
            name="jaeger",
            role=INFRA,
            image="jaegertracing/all-in-one:1.57",
            port=16686,
            protocol="http",
            language="jaeger",
            memory_mib=90,
        ),
    )
    operations = (
        Operation(
            "search",
            0.60,
            (("frontend", "search"), ("search", "geo"), ("search", "rate"), ("frontend", "profile")),
            "GET /hotels",
        ),
        Operation(
            "recommend",
            0.39,
            (("frontend", "recommendation"), ("frontend", "profile")),
            "GET /recommendations",
        ),
        Operation("login", 0.005, (("frontend", "user"),), "POST /user"),
        Operation(
            "reserve",
            0.005,
            (("frontend", "user"), ("frontend", "reservation")),
            "POST /reservation",
        ),
    )
    return AppSpec(
        name=HOTEL_RESERVATION,
        namespace="test-hotel-reservation",
        label_key="io.kompose.service",
        components=components,
        operations=operations,
        entry="frontend",
        trace_sampling=1.0,
        helm_release=None,
        helm_chart=None,
        summary=(
            "Hotel Reservation (DeathStarBench): a hotel search and booking site built from Go microservices "
            "that talk gRPC, with MongoDB databases, memcached caches, Consul for service discovery and Jaeger "
            "for tracing."
        ),
    )


def _social() -> AppSpec:
    image = "deathstarbench/social-network-microservices:latest"

    def thrift(name: str, binary: str, calls: tuple[str, ...] = (), database: str | None = None) -> Component:
        return Component(
            name=name,
            role=APP,
            image=image,
            port=9090,
            protocol="thrift",
            command=(binary,),
            calls=calls + ((database,) if database else ()),
            database=database,
            db_name=name.removesuffix("-service").replace("-", "_") if database else None,
            language="cpp",
            binary=binary,
            memory_mib=8,
        )

    def store(name: str, role: str) -> Component:
        ports = {MONGODB: 27017, REDIS: 6379, MEMCACHED: 11211}
        images = {MONGODB: "mongo:4.4.6", REDIS: "redis:6.2.4", MEMCACHED: "memcached:1.6.7"}
        return Component(
            name=name,
            role=role,
            image=images[role],
            port=ports[role],
            protocol={MONGODB: "mongo", REDIS: "redis", MEMCACHED: "memcache"}[role],
            language={MONGODB: "mongod", REDIS: "redis", MEMCACHED: "c"}[role],
            memory_mib={MONGODB: 150, REDIS: 10, MEMCACHED: 6}[role],
        )

    components = (
        Component(
            name="nginx-thrift",
            role=APP,
            image="yg397/openresty-thrift:xenial",
            port=8080,
            protocol="http",
            calls=("compose-post-service", "home-timeline-service", "user-timeline-service", "user-service"),
            language="lua",
            binary="openresty",
            memory_mib=20,
        ),
        thrift(
            "compose-post-service",
            "ComposePostService",
            calls=(
                "unique-id-service",
                "text-service",
                "media-service",
                "user-service",
                "post-storage-service",
                "user-timeline-service",
                "home-timeline-service",
            ),
        ),
        thrift(
            "home-timeline-service",
            "HomeTimelineService",
            calls=("home-timeline-redis", "post-storage-service", "social-graph-service"),
        ),
        thrift(
            "user-timeline-service",
            "UserTimelineService",
            calls=("user-timeline-redis", "post-storage-service"),
            database="user-timeline-mongodb",
        ),
        thrift("media-service", "MediaService", calls=("media-memcached",), database="media-mongodb"),
        thrift(
            "post-storage-service",
            "PostStorageService",
            calls=("post-storage-memcached",),
            database="post-storage-mongodb",
        ),
        thrift(
            "social-graph-service",
            "SocialGraphService",
            calls=("social-graph-redis", "user-service"),
            database="social-graph-mongodb",
        ),
        thrift("text-service", "TextService", calls=("url-shorten-service", "user-mention-service")),
        thrift("unique-id-service", "UniqueIdService"),
        thrift(
            "url-shorten-service", "UrlShortenService", calls=("url-shorten-memcached",), database="url-shorten-mongodb"
        ),
        thrift(
            "user-service",
            "UserService",
            calls=("user-memcached", "social-graph-service"),
            database="user-mongodb",
        ),
        thrift("user-mention-service", "UserMentionService", calls=("user-memcached",), database="user-mongodb"),
        Component(
            name="media-frontend",
            role=APP,
            image="yg397/media-frontend:xenial",
            port=8081,
            protocol="http",
            calls=("media-mongodb",),
            language="lua",
            binary="openresty",
            memory_mib=15,
        ),
        store("home-timeline-redis", REDIS),
        store("user-timeline-redis", REDIS),
        store("social-graph-redis", REDIS),
        store("user-timeline-mongodb", MONGODB),
        store("media-mongodb", MONGODB),
        store("post-storage-mongodb", MONGODB),
        store("social-graph-mongodb", MONGODB),
        store("url-shorten-mongodb", MONGODB),
        store("user-mongodb", MONGODB),
        store("media-memcached", MEMCACHED),
        store("post-storage-memcached", MEMCACHED),
        store("url-shorten-memcached", MEMCACHED),
        store("user-memcached", MEMCACHED),
        Component(
            name="jaeger",
            role=INFRA,
            image="jaegertracing/all-in-one:1.57",
            port=16686,
            protocol="http",
            language="jaeger",
            memory_mib=90,
        ),
    )
    compose_edges = (
        ("nginx-thrift", "compose-post-service"),
        ("compose-post-service", "unique-id-service"),
        ("compose-post-service", "text-service"),
        ("text-service", "url-shorten-service"),
        ("url-shorten-service", "url-shorten-mongodb"),
        ("text-service", "user-mention-service"),
        ("compose-post-service", "media-service"),
        ("compose-post-service", "user-service"),
        ("compose-post-service", "post-storage-service"),
        ("post-storage-service", "post-storage-mongodb"),
        ("compose-post-service", "user-timeline-service"),
        ("compose-post-service", "home-timeline-service"),
        ("home-timeline-service", "social-graph-service"),
    )
    operations = (Operation("compose-post", 1.0, compose_edges, "POST /wrk2-api/post/compose"),)
    return AppSpec(
        name=SOCIAL_NETWORK,
        namespace="test-social-network",
        label_key="app",
        extra_labels=("service",),
        components=components,
        operations=operations,
        entry="nginx-thrift",
        # 1% sampling, and the collector keeps few of those: AIOpsLab agents mostly find no traces here.
        trace_sampling=0.002,
        helm_release="social-network",
        helm_chart="socialnetwork-0.1.0",
        summary=(
            "Social Network (DeathStarBench): a social network where users compose posts, follow each other and "
            "read timelines, built from C++ microservices that talk Thrift, with MongoDB, Redis and memcached "
            "behind them and an nginx (OpenResty) front end."
        ),
    )


def _astronomy() -> AppSpec:
    def otel(
        name: str,
        language: str,
        calls: tuple[str, ...] = (),
        port: int = 8080,
        protocol: str = "grpc",
        memory_mib: int = 60,
        role: str = APP,
    ) -> Component:
        return Component(
            name=name,
            role=role,
            image=f"ghcr.io/open-telemetry/demo:2.0.2-{name}",
            port=port,
            protocol=protocol,
            calls=calls,
            language=language,
            binary=name,
            memory_mib=memory_mib,
            env=(("FLAGD_HOST", "flagd"), ("FLAGD_PORT", "8013"), ("OTEL_SERVICE_NAME", name)),
        )

    components = (
        otel(
            "frontend",
            "typescript",
            calls=("ad", "cart", "checkout", "currency", "product-catalog", "recommendation", "shipping"),
            protocol="http",
            memory_mib=200,
        ),
        otel("ad", "java", calls=("flagd",), memory_mib=300),
        otel("cart", "dotnet", calls=("valkey-cart", "flagd"), memory_mib=120),
        otel(
            "checkout",
            "go",
            calls=("cart", "currency", "email", "payment", "product-catalog", "shipping", "kafka"),
            memory_mib=20,
        ),
        otel("payment", "javascript", calls=("flagd",), memory_mib=90),
        otel("product-catalog", "go", calls=("flagd",), memory_mib=20),
        otel("recommendation", "python", calls=("product-catalog", "flagd"), memory_mib=80),
        otel("currency", "cpp", memory_mib=10),
        otel("shipping", "rust", calls=("quote",), protocol="http", memory_mib=10),
        otel("email", "ruby", protocol="http", memory_mib=90),
        otel("quote", "php", protocol="http", memory_mib=40),
        otel("kafka", "kafka", port=9092, protocol="kafka", memory_mib=500, role=INFRA),
        otel("accounting", "dotnet", calls=("kafka",), memory_mib=100),
        otel("fraud-detection", "kotlin", calls=("kafka", "flagd"), memory_mib=250),
        otel("flagd", "go", port=8013, memory_mib=30, role=INFRA),
        otel("load-generator", "python", calls=("frontend",), port=8089, protocol="http", memory_mib=300),
        Component(
            name="valkey-cart",
            role=REDIS,
            image="valkey/valkey:8.1.1-alpine",
            port=6379,
            protocol="redis",
            language="redis",
            memory_mib=10,
        ),
    )
    operations = (
        Operation(
            "browse",
            0.55,
            (
                ("frontend", "product-catalog"),
                ("frontend", "currency"),
                ("frontend", "ad"),
                ("frontend", "recommendation"),
                ("recommendation", "product-catalog"),
            ),
            "GET /api/products",
        ),
        Operation("cart", 0.25, (("frontend", "cart"), ("cart", "valkey-cart")), "POST /api/cart"),
        Operation(
            "checkout",
            0.20,
            (
                ("frontend", "checkout"),
                ("checkout", "cart"),
                ("checkout", "product-catalog"),
                ("checkout", "currency"),
                ("checkout", "shipping"),
                ("shipping", "quote"),
                ("checkout", "payment"),
                ("checkout", "email"),
                ("checkout", "kafka"),
            ),
            "POST /api/checkout",
        ),
    )
    return AppSpec(
        name=ASTRONOMY_SHOP,
        namespace="astronomy-shop",
        label_key="app.kubernetes.io/name",
        components=components,
        operations=operations,
        entry="frontend",
        trace_sampling=1.0,
        helm_release="astronomy-shop",
        helm_chart="opentelemetry-demo-0.37.2",
        summary=(
            "Astronomy Shop (the OpenTelemetry demo): an online shop for telescopes built from services in a dozen "
            "languages that talk gRPC and HTTP, with Kafka for order events, Valkey for carts and flagd serving "
            "feature flags; richly traced and metered."
        ),
    )


APPS: Mapping[str, AppSpec] = {spec.name: spec for spec in (_hotel(), _social(), _astronomy())}


def app_spec(name: str) -> AppSpec:
    """The application called ``name``; KeyError naming the known ones otherwise."""
    try:
        return APPS[name]
    except KeyError:
        raise KeyError(f"unknown application {name!r}; known: {', '.join(APPS)}") from None


def app_for_namespace(namespace: str) -> AppSpec | None:
    for spec in APPS.values():
        if spec.namespace == namespace:
            return spec
    return None
