/*
 * A `native-image` driver for Ordinal's native build: the GraalVM 25.0.2 image builder from Maven Central, run on
 * the Temurin 25 JDK (which carries JVMCI), with the static libraries that build-native.sh prepared.
 *
 * Why a driver and not quarkus.native.sources-only: Quarkus runs `<graalvm-home>/bin/native-image` itself, checks
 * its --version, reads the build output and then moves the runner into target/. With a driver, `mvn verify
 * -Dnative -Dquarkus.native.graalvm-home=<home>` is the ordinary Quarkus native build, including
 * @QuarkusIntegrationTest against the native runner in the same Maven run, and a real GraalVM/Mandrel keeps
 * working by simply not setting quarkus.native.graalvm-home. sources-only would need a second step between
 * `package` and `integration-test` and a re-implementation of what Quarkus does after the build.
 *
 * What the driver does (what the real driver, not published on Maven for 25, does for Quarkus's arguments):
 *  - translates the `--option` API options Quarkus passes into the builder's -H: options (unknown ones fail);
 *  - `-J<opt>` goes to the builder JVM; `-jar x.jar` becomes -imagecp with the manifest Class-Path, -H:Class and
 *    -H:Name;
 *  - reads META-INF/native-image/ of every class path entry: native-image.properties (Args, JavaArgs) and the
 *    *-config.json / reachability-metadata.json files (as -H:ConfigurationFileDirectories of extracted copies),
 *    honouring --exclude-config; turns manifest Add-Opens/Add-Exports into the image's opens/exports;
 *  - starts com.oracle.svm.hosted.NativeImageGeneratorRunner on the module path (compiler on the upgrade module
 *    path) with JVMCI enabled and the JDK's internal packages exported to the builder modules.
 *
 * Configuration comes from system properties set by bin/native-image (see build-native.sh):
 *   ordinal.ni.java (builder java), ordinal.ni.jars (builder module jars dir), ordinal.ni.clib (C library dir),
 *   ordinal.ni.compat (object linked into every image), ordinal.ni.version, ordinal.ni.log (optional).
 */
import java.io.*;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.*;
import java.util.*;
import java.util.jar.*;
import java.util.regex.Pattern;
import java.util.stream.*;

public class NativeImage {
    static final String VERSION = System.getProperty("ordinal.ni.version", "25.0.2");
    static final String VENDOR_VERSION = "GraalVM CE " + VERSION + "+10.1";

    final List<String> jvm = new ArrayList<>();
    final List<String> builder = new ArrayList<>();
    final List<String> classpath = new ArrayList<>();
    final List<String[]> excludeConfig = new ArrayList<>();
    String mainClass, imageName;
    boolean verbose;

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-version"))) {
            // The shape Quarkus' GraalVM.Version parser expects (first line "native-image <version> <date>").
            System.out.println("native-image " + VERSION + " 2026-01-20");
            System.out.println(
                    "GraalVM Runtime Environment " + VENDOR_VERSION + " (build " + VERSION + "+10-jvmci-b01)");
            System.out.println("Substrate VM " + VENDOR_VERSION + " (build " + VERSION + "+10, serial gc)");
            return;
        }
        System.exit(new NativeImage().run(expandArgFiles(Arrays.asList(args))));
    }

    static List<String> expandArgFiles(List<String> args) throws IOException {
        List<String> out = new ArrayList<>();
        for (String a : args) {
            if (a.startsWith("@") && a.length() > 1) {
                for (String line : Files.readAllLines(Path.of(a.substring(1)))) {
                    if (!line.isBlank()) out.add(line.strip());
                }
            } else {
                out.add(a);
            }
        }
        return out;
    }

    int run(List<String> args) throws Exception {
        parse(new ArrayDeque<>(args), null);
        if (classpath.isEmpty()) throw new IllegalArgumentException("no -jar / -cp given");
        readMetaInf();
        if (imageName == null) imageName = "image";

        Path jars = Path.of(System.getProperty("ordinal.ni.jars"));
        List<Path> modules;
        try (Stream<Path> s = Files.list(jars)) {
            modules = s.filter(p -> p.toString().endsWith(".jar")).sorted().collect(Collectors.toList());
        }
        List<Path> upgrade = modules.stream()
                .filter(p -> p.getFileName().toString().startsWith("compiler-"))
                .toList();
        List<Path> modulePath =
                modules.stream().filter(p -> !upgrade.contains(p)).toList();
        Set<String> builderModules = new TreeSet<>();
        for (ModuleReference ref : ModuleFinder.of(modules.toArray(Path[]::new)).findAll()) {
            builderModules.add(ref.descriptor().name());
        }
        String targets = String.join(",", builderModules) + ",ALL-UNNAMED";

        List<String> cmd = new ArrayList<>();
        cmd.add(System.getProperty("ordinal.ni.java"));
        List<String> j = new ArrayList<>(List.of(
                "-XX:+UseParallelGC",
                "-XX:+UnlockExperimentalVMOptions",
                "-XX:+EnableJVMCI",
                "-XX:-UseJVMCICompiler",
                "-Xss10m",
                "-XX:MaxRAMPercentage=60",
                "-Djava.awt.headless=true",
                "-Djava.system.class.loader=com.oracle.svm.hosted.NativeImageSystemClassLoader",
                "-Dorg.graalvm.nativeimage.imagecode=buildtime",
                "-Dorg.graalvm.version=" + VERSION,
                "-Dorg.graalvm.vendor=Ordinal build of GraalVM Community (Maven Central jars)",
                "-Dorg.graalvm.vendorversion=" + VENDOR_VERSION,
                "-Dcom.oracle.graalvm.isaot=true",
                "-Djdk.internal.lambda.disableEagerInitialization=true",
                "-Djdk.internal.lambda.eagerlyInitialize=false",
                "-Djava.lang.invoke.InnerClassLambdaMetafactory.initializeLambdas=false",
                "-Djava.lang.invoke.MethodHandle.DUMP_CLASS_FILES=false",
                "-Dtruffle.TruffleRuntime=com.oracle.truffle.api.impl.DefaultTruffleRuntime",
                "-Dgraalvm.locatorDisabled=true",
                "--enable-native-access=ALL-UNNAMED," + String.join(",", builderModules)));
        // Every package of the JDK that is not exported to everyone: exported and opened to the builder.
        for (ModuleReference ref : ModuleFinder.ofSystem().findAll()) {
            var d = ref.descriptor();
            Set<String> exported = d.exports().stream()
                    .filter(e -> !e.isQualified())
                    .map(e -> e.source())
                    .collect(Collectors.toSet());
            Set<String> open = d.opens().stream()
                    .filter(o -> !o.isQualified())
                    .map(o -> o.source())
                    .collect(Collectors.toSet());
            for (String p : new TreeSet<>(d.packages())) {
                if (!exported.contains(p)) j.add("--add-exports=" + d.name() + "/" + p + "=" + targets);
                if (!d.isOpen() && !open.contains(p)) j.add("--add-opens=" + d.name() + "/" + p + "=" + targets);
            }
        }
        j.addAll(jvm);
        j.add("--upgrade-module-path="
                + upgrade.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)));
        j.add("--module-path="
                + modulePath.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)));
        j.add("--add-modules=ALL-SYSTEM,ALL-MODULE-PATH");
        j.add("--module=org.graalvm.nativeimage.builder/com.oracle.svm.hosted.NativeImageGeneratorRunner");

        List<String> b = new ArrayList<>();
        b.add("-imagecp");
        b.add(String.join(File.pathSeparator, classpath));
        b.add("-H:CLibraryPath=" + System.getProperty("ordinal.ni.clib"));
        b.add("-H:NativeLinkerOption=" + System.getProperty("ordinal.ni.compat"));
        b.add("-H:ImageBuildID=" + UUID.randomUUID());
        b.add("-H:Path=" + Path.of("").toAbsolutePath());
        b.add("-H:Name=" + imageName);
        if (mainClass != null) b.add("-H:Class=" + mainClass);
        b.addAll(builder);

        Path argFile = Files.createTempFile("ordinal-native-image-", ".args");
        List<String> lines = new ArrayList<>(j);
        lines.addAll(b);
        Files.write(argFile, lines.stream().map(NativeImage::quote).toList());
        cmd.add("@" + argFile);
        String log = System.getProperty("ordinal.ni.log");
        if (log != null && !log.isEmpty()) Files.write(Path.of(log), lines);
        if (verbose) System.err.println("native-image driver: " + String.join(" ", cmd) + "\n" + String.join("\n", b));
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        int rc = p.waitFor();
        if (rc == 0) Files.deleteIfExists(argFile);
        return rc;
    }

    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Translates driver options. origin is the properties file for Args from META-INF (null: command line). */
    void parse(Deque<String> a, Path origin) throws IOException {
        while (!a.isEmpty()) {
            String o = a.poll();
            String name = o, value = null;
            int eq = o.indexOf('=');
            if (o.startsWith("--") && eq > 0) {
                name = o.substring(0, eq);
                value = o.substring(eq + 1);
            }
            switch (name) {
                case "-jar" -> addJar(Path.of(a.poll()).toAbsolutePath(), true);
                case "-cp", "-classpath", "--class-path" -> {
                    for (String e : (value != null ? value : a.poll()).split(File.pathSeparator)) classpath.add(e);
                }
                case "-o" -> imageName = a.poll();
                case "--verbose" -> verbose = true;
                case "--no-fallback" -> builder.add("-H:FallbackThreshold=0");
                case "--features" -> builder.add("-H:Features=" + value);
                case "--link-at-build-time" -> builder.add("-H:LinkAtBuildTime=" + (value == null ? "" : value));
                case "--link-at-build-time-paths" -> builder.add("-H:LinkAtBuildTimePaths=" + value);
                case "--enable-url-protocols" -> builder.add("-H:EnableURLProtocols=" + value);
                case "--enable-http" -> builder.add("-H:EnableURLProtocols=http");
                case "--enable-https" -> builder.add("-H:EnableURLProtocols=https");
                case "--enable-monitoring" ->
                    builder.add("-H:EnableMonitoringFeatures=" + (value == null ? "all" : value));
                case "--enable-native-access" ->
                    builder.add("-H:EnableNativeAccess=" + (value != null ? value : a.poll()));
                case "--initialize-at-run-time" -> builder.add("-H:ClassInitialization=" + init(value, "run_time"));
                case "--initialize-at-build-time" -> builder.add("-H:ClassInitialization=" + init(value, "build_time"));
                case "--add-exports" -> builder.add("-H:AddExports=" + (value != null ? value : a.poll()));
                case "--add-opens" -> builder.add("-H:AddOpens=" + (value != null ? value : a.poll()));
                case "--add-reads" -> builder.add("-H:AddReads=" + (value != null ? value : a.poll()));
                case "--exclude-config" -> excludeConfig.add(new String[] {a.poll(), a.poll()});
                case "--report-unsupported-elements-at-runtime" ->
                    builder.add("-H:+ReportUnsupportedElementsAtRuntime");
                case "--install-exit-handlers" -> builder.add("-H:+InstallExitHandlers");
                case "--native-image-info" -> builder.add("-H:+DumpTargetInfo");
                case "--static" -> builder.add("-H:+StaticExecutable");
                case "--static-nolibc" -> builder.add("-H:+StaticExecutableWithDynamicLibC");
                case "--shared" -> builder.add("-H:+SharedLibrary");
                case "--libc" -> builder.add("-H:UseLibC=" + value);
                case "--gc" -> builder.add("-H:InitialCollectionPolicy=" + value); // only "serial"/"epsilon" here
                case "--color" -> builder.add("-H:Color=" + value);
                case "--parallelism" -> builder.add("-H:NumberOfThreads=" + value);
                case "--future-defaults" -> builder.add("-H:FutureDefaults=" + (value == null ? "all" : value));
                case "--native-compiler-path" -> builder.add("-H:CCompilerPath=" + value);
                case "--native-compiler-options" -> builder.add("-H:CCompilerOption=" + value);
                case "--trace-object-instantiation" -> builder.add("-H:TraceObjectInstantiation=" + value);
                case "--strict-image-heap",
                        "--enable-all-security-services",
                        "--allow-incomplete-classpath",
                        "--configure-reflection-metadata" -> {} // deprecated no-ops in 25
                case "--silent" -> builder.add("-H:+BuildOutputSilent");
                case "-g" -> builder.add("-H:GenerateDebugInfo=2");
                case "--" -> {}
                default -> {
                    if (o.startsWith("-J")) jvm.add(o.substring(2));
                    else if (o.startsWith("-H:") || o.startsWith("-R:")) builder.add(o);
                    else if (o.startsWith("-march=")) builder.add("-H:MicroArchitecture=" + o.substring(7));
                    else if (o.startsWith("-O")) builder.add("-H:Optimize=" + o.substring(2));
                    else if (o.startsWith("-D")) {
                        jvm.add(o); // image build-time system property, as the real driver
                    } else if (o.startsWith("-E")) {
                        builder.add("-H:EnvironmentVariables=" + o.substring(2));
                    } else if (!o.startsWith("-") && mainClass == null && origin == null) {
                        mainClass = o;
                    } else {
                        throw new IllegalArgumentException("native-image driver: unsupported option " + o
                                + (origin != null ? " (from " + origin + ")" : "")
                                + "; add its translation to src/main/native/driver/NativeImage.java");
                    }
                }
            }
        }
    }

    static String init(String value, String when) {
        if (value == null || value.isEmpty()) return ":" + when;
        return Arrays.stream(value.split(",")).map(s -> s + ":" + when).collect(Collectors.joining(","));
    }

    void addJar(Path jar, boolean main) throws IOException {
        classpath.add(jar.toString());
        try (JarFile jf = new JarFile(jar.toFile())) {
            Manifest mf = jf.getManifest();
            if (mf == null) return;
            Attributes at = mf.getMainAttributes();
            if (main) {
                mainClass = at.getValue("Main-Class");
                if (imageName == null) imageName = jar.getFileName().toString().replaceFirst("\\.jar$", "");
            }
            String cp = at.getValue("Class-Path");
            if (cp != null) {
                for (String e : cp.trim().split("\\s+")) {
                    if (e.isEmpty()) continue;
                    Path p = jar.getParent()
                            .resolve(java.net.URLDecoder.decode(e, "UTF-8"))
                            .normalize();
                    classpath.add(p.toString());
                }
            }
            for (String[] kind : new String[][] {{"Add-Opens", "-H:AddOpens="}, {"Add-Exports", "-H:AddExports="}}) {
                String v = at.getValue(kind[0]);
                if (v == null) continue;
                for (String mp : v.trim().split("\\s+")) {
                    if (!mp.isEmpty()) builder.add(kind[1] + mp + "=ALL-UNNAMED");
                }
            }
        }
    }

    boolean excluded(String entry, String resource) {
        for (String[] e : excludeConfig) {
            if (Pattern.compile(e[0]).matcher(entry).find()
                    && Pattern.compile(e[1]).matcher(resource).find()) return true;
        }
        return false;
    }

    static final Set<String> CONFIG_FILES = Set.of(
            "reflect-config.json",
            "resource-config.json",
            "jni-config.json",
            "proxy-config.json",
            "serialization-config.json",
            "predefined-classes-config.json",
            "reachability-metadata.json");

    /** META-INF/native-image of every class path entry (jars and directories). */
    void readMetaInf() throws IOException {
        Path work = Files.createTempDirectory("ordinal-ni-config-");
        int n = 0;
        for (String e : new ArrayList<>(classpath)) {
            Path entry = Path.of(e);
            Map<String, byte[]> files = new TreeMap<>();
            if (Files.isDirectory(entry)) {
                Path root = entry.resolve("META-INF/native-image");
                if (!Files.isDirectory(root)) continue;
                try (Stream<Path> s = Files.walk(root)) {
                    for (Path p : s.filter(Files::isRegularFile).toList()) {
                        files.put(entry.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
                    }
                }
            } else if (Files.isRegularFile(entry)) {
                try (JarFile jf = new JarFile(entry.toFile())) {
                    for (JarEntry je : Collections.list(jf.entries())) {
                        if (!je.isDirectory() && je.getName().startsWith("META-INF/native-image/")) {
                            try (InputStream in = jf.getInputStream(je)) {
                                files.put(je.getName(), in.readAllBytes());
                            }
                        }
                    }
                }
            }
            Map<String, Path> dirs = new TreeMap<>();
            for (var f : files.entrySet()) {
                String res = f.getKey();
                if (excluded(entry.toString(), res)) continue;
                String dir = res.substring(0, res.lastIndexOf('/'));
                String file = res.substring(res.lastIndexOf('/') + 1);
                if (file.equals("native-image.properties")) {
                    Properties props = new Properties();
                    props.load(new ByteArrayInputStream(f.getValue()));
                    String args = props.getProperty("Args");
                    if (args != null) {
                        args = args.replace("${.}", entry.toString());
                        parse(new ArrayDeque<>(Arrays.asList(args.trim().split("\\s+"))), Path.of(entry + "!/" + res));
                    }
                    String javaArgs = props.getProperty("JavaArgs");
                    if (javaArgs != null)
                        jvm.addAll(Arrays.asList(javaArgs.trim().split("\\s+")));
                    String name = props.getProperty("ImageName");
                    if (name != null && imageName == null) imageName = name;
                } else if (CONFIG_FILES.contains(file)) {
                    Path d = dirs.computeIfAbsent(dir, k -> null);
                    if (d == null) {
                        d = work.resolve(Integer.toString(n++));
                        Files.createDirectories(d);
                        dirs.put(dir, d);
                        builder.add("-H:ConfigurationFileDirectories=" + d);
                    }
                    Files.write(d.resolve(file), f.getValue());
                }
            }
        }
    }
}
