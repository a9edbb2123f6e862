#!/usr/bin/env python3
"""CPU per request by component, from collapsed stacks (perf + inferno-collapse-perf, or async-profiler's collapsed).

Usage: components.py stacks.folded [cpu-us-per-request]

Each sample goes to the innermost frame of a known component: a HashMap.get called by Netty counts as Netty, one
called by Jackson as Jackson. With the request's CPU (the bench's "app CPU µs/req" of the same window) the shares are
also printed as microseconds per request. Frame names are reduced to Class_method first: the native executable's
symbols are already so (with a hash suffix), async-profiler's are package/Class.method with a [k]/[j]/[i] suffix.
Made for profile-native-mutate.sh; the component lists follow the frames of Ordinal's admission path, anything
a stack with no frame of a listed component is "JDK and runtime".
"""
import collections
import re
import sys

COMPONENTS = [
    ("collector", r"^(GCImpl|GreyToBlack|AlignedChunkRememberedSet|UnalignedChunk|YoungGeneration|OldGeneration"
                  r"|CollectionPolicy|AdaptiveCollectionPolicy|HeapChunk|CardTable|ThreadLocalAllocation_slowPath"
                  r"|HeapImpl|ReferenceObjectProcessing|ChunksAccounting|GreyObjectsWalker|ImageHeapWalker"
                  r"|RuntimeCodeCacheWalker|CodeInfoTable|GCTaskThread|VMThread|G1|Serial|DefNew|TenuredGeneration)"),
    ("TLS crypto", r"^(ChaCha20|Poly1305|IntegerPolynomial|AESCrypt|GHASH|GaloisCounter|CounterMode|MessageDigest_isEqual"
                   r"|SVMIntrinsicStubsGen_(mulAdd|sha)|StubRoutines)"),
    ("JDK TLS engine", r"^(SSL|TransportContext|OutputRecord|InputRecord|CipherCore|CipherSpi|Cipher_|Authenticator"
                       r"|JdkSslEngine|DelegatingSslContext|ServerOrdered)"),
    ("kernel and libc", r"^[a-z_0-9.]+$|@@GLIBC|^__"),
    ("Ordinal", r"^(ReviewCodec|ReviewFinisher|AdmissionResource|AdmissionMetrics|PodMutator|PodValidator|PatchDiff"
                r"|PodIdentity|PodCopy|PodNames|CreateRules|UpdateRules|ClaimTemplate|SetIndex|SetSnapshot|SetView"
                r"|ClusterView|IndexReservations|OrdinalReservations|OrdinalIntervals|OrdinalRuns|Ordinals|Member"
                r"|Decision|SettingsParser|SetSettings|ReservedOrdinals|KeptPod|KeptMeta|ReducedStore|LivePods|Parsed)"),
    ("Jackson and the fabric8 model", r"^(UTF8|Json|ObjectMapper|ObjectWriter|ObjectReader|Bean|DefaultSerializerProvider"
                                      r"|DefaultDeserializationContext|Std|BaseJsonNode|TokenBuffer|NodeCursor|ObjectNode"
                                      r"|ArrayNode|TextNode|ContainerNode|ValueNode|Collection(De)?[Ss]erializer|Map(De)?[Ss]erializer"
                                      r"|MethodProperty|FieldProperty|SettableBeanProperty|Annotated|TypeFactory|SerializerCache"
                                      r"|DeserializerCache|PropertySerializerMap|ReadOnlyClassToSerializerMap|StringSerializer"
                                      r"|StringDeserializer|NumberSerializers|ByteQuadsCanonicalizer|CharsToNameCanonicalizer"
                                      r"|ParserBase|ParserMinimalBase|GeneratorBase|TextBuffer|BufferRecycler|IOContext"
                                      r"|SerializableSerializer|ByteArrayBuilder|SegmentedStringWriter|Pod|ObjectMeta|Container"
                                      r"|Volume|Quantity|IntOrString|Admission|Status|.*Builder_|.*Fluent)"),
    ("RESTEasy Reactive and CDI", r"(Resteasy|Serialisers|MediaType|VertxOutputStream|JacksonMessageBodyWriter"
                                  r"|RequestDeserializeHandler|ResponseHandler|ResponseWriterHandler|ClassRoutingHandler"
                                  r"|RestInitialHandler|RequestMapper|ArcThreadSetupAction|CurrentManagedContext"
                                  r"|QuarkusCurrentRequest|InjectableBean|CreationalContext|AbstractInstanceHandle|ClientProxy"
                                  r"|FixedProducesHandler|ResponseImpl|MultivaluedTreeMap|QuarkusMultivaluedHashMap"
                                  r"|AbstractMultivaluedMap|ResponseBuilder|ManagedContext|RequestContext|^Arc|_Bean_)"),
    ("Vert.x", r"^(Http1x|VertxHandler|ConnectionBase|ContextInternal|ContextImpl|EventLoopContext|DuplicatedContext"
               r"|HeadersMultiMap|BufferImpl|RoutingContext|RouterImpl|Route|Vertx|HttpServerRequestWrapper"
               r"|AbstractResponseWrapper|ResumingRequestWrapper|HttpServerWorker|ServerConnection|HttpUtils|CloseFuture"
               r"|InboundBuffer|OutboundWriteQueue|HttpEventHandler|NetSocket|SslChannelProvider|PromiseImpl|FutureImpl"
               r"|SucceededFuture|FailedFuture)"),
    ("Netty", r"^(AbstractChannel|DefaultChannel|Channel|SslHandler|DefaultPromise|.*ByteBuf|Pool|Recycler|FastThreadLocal"
              r"|InternalThreadLocalMap|IdleStateHandler|MessageToMessage|ByteToMessage|Http(Object|ServerCodec|Content"
              r"|Response|Request|Headers|Version|Method)|Default(Http|Last|Full)|AsciiString|.*CoalescingBufferQueue"
              r"|PromiseCombiner|NioSocketChannel|AbstractNio|NioEventLoop|SingleThreadEventExecutor|SingleThreadEventLoop"
              r"|AbstractEventExecutor|AbstractScheduledEventExecutor|SelectedSelectionKeySet|ReferenceCountUtil"
              r"|AbstractReferenceCounted|PlatformDependent|DefaultHeaders|CombinedChannelDuplexHandler"
              r"|ScheduledFutureTask|DefaultPriorityQueue|PendingWrite|SocketChannelImpl|IOUtil|EPoll|SelectorImpl"
              r"|FileDispatcherImpl|NioSocketImpl|Net_)"),
]
PATTERNS = [(name, re.compile(p)) for name, p in COMPONENTS]
OTHER = "JDK and runtime"


def simple(frame):
    """Class_method for both profilers' frame names."""
    frame = re.sub(r"_\[[kijb0]\]$", "", frame)
    frame = re.sub(r"_[A-Za-z0-9]{22}$", "", frame)  # the hash that ends a SubstrateVM symbol
    m = re.match(r"^(?:[\w$]+/)*([\w$]+)\.([\w$<>]+)$", frame)
    return m.group(1) + "_" + m.group(2) if m else frame


def component(frames):
    for frame in reversed(frames):
        for name, pattern in PATTERNS:
            if pattern.search(frame):
                return name
    return OTHER


def main():
    per_component = collections.Counter()
    total = 0
    with open(sys.argv[1]) as stacks:
        for line in stacks:
            stack, _, count = line.rstrip().rpartition(" ")
            if not stack:
                continue
            frames = [simple(f) for f in stack.split(";")[1:]]  # the first frame is the thread
            per_component[component(frames)] += int(count)
            total += int(count)
    if total == 0:
        sys.exit("no samples in " + sys.argv[1])
    cpu = float(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2] else None
    print("| component | share | µs per request |" if cpu else "| component | share |")
    print("|---|---:|---:|" if cpu else "|---|---:|")
    for name, n in per_component.most_common():
        share = n / total
        print(f"| {name} | {100 * share:.1f} % | {cpu * share:.1f} |" if cpu else f"| {name} | {100 * share:.1f} % |")


if __name__ == "__main__":
    main()
