# Ordinal: the two commands a newcomer needs are `make demo` and `make test`.
MVN ?= mvn -B
SHELL := /bin/bash

.PHONY: test build run demo bench bench-rollout bench-first-list format clean kube e2e-cluster demo-cluster

## test: unit, @QuarkusTest, end-to-end, packaged-jar and real-control-plane tests (builds the control plane once
##       per machine: see kube), then the native runner and the packaged-app suites against it (see native-test)
test:
	$(MVN) verify
	$(MAKE) native-test NATIVE_ITS=$(NATIVE_TEST_ITS)

## kube: build etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kubectl from the Go modules pinned
##       in src/test/kube into ~/.cache/ordinal/kube/ (once per machine; needs Go 1.25+ and the Go module proxy)
kube:
	src/test/kube/build.sh

## e2e-cluster: only the real-control-plane scenarios (RealControlPlaneIT, StatefulSetParityIT), against the packaged jar
e2e-cluster:
	$(MVN) verify -Dtest=NoUnitTests -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=RealControlPlaneIT,StatefulSetParityIT

## demo-cluster: the README story on the real control plane, printed as `kubectl get pods -w` would
demo-cluster: target/classpath.stamp
	java -cp $(TEST_CP) dev.ordinal.realcluster.ClusterDemo

## build: package the JVM application (target/quarkus-app/)
build:
	$(MVN) -DskipTests package

## run: run the packaged app; needs TLS files and a kubeconfig (see README)
run: build
	java -jar target/quarkus-app/quarkus-run.jar

## demo: a simulated cluster (mock API server, ReplicaSet, scheduler, kubelet) around the real webhook and
##       controller: scale to 3, kill a pod, scale down, grow a volume; prints a timeline; exits non-zero if a check
##       fails
demo: target/classpath.stamp
	java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp $(TEST_CP) dev.ordinal.demo.Demo

## bench: admission latency/throughput/memory of the JVM jar and the native executable in one run (wrk over TLS on
##        127.0.0.1; pinned with taskset and shared), side by side with a stdlib Go webhook making the same mutation
##        (src/test/bench/go-webhook, built with the machine's go), ordered-start release latency for 10/100/1,000-pod sets, and
##        the real-control-plane rollouts (bench-rollout, with the jar's replicas and then the native executable's);
##        writes docs/benchmarks.md and docs/bench/*.svg (~25 min on 2 cores). Builds the native executable first
##        when it is missing or stale (make native, ~12 min more).
NATIVE_RUNNER = target/ordinal-0.1.0-SNAPSHOT-runner
bench: $(NATIVE_RUNNER) target/classpath.stamp bench-rollout
	$(MAKE) bench-rollout PACKAGED=native
	@command -v wrk >/dev/null || { echo "installing wrk (Debian package)"; apt-get update -qq && apt-get install -y -qq wrk; }
	java -Dbench.rollouts=target/bench -cp $(TEST_CP) dev.ordinal.bench.Bench

# The native executable, rebuilt when it is missing or older than a main source or the pom. Built before the jar: a native
# build packages without the jar, so the stamp is dropped and the jar, test classes and classpath are rebuilt.
$(NATIVE_RUNNER): pom.xml $(shell find src/main -type f 2>/dev/null)
	$(MAKE) native
	rm -f target/classpath.stamp

## bench-rollout: rollouts on the real control plane, Ordinal (two replicas) vs StatefulSet: 20 pods OrderedReady,
##                100 pods Parallel with a claim each, scale-down, re-creation; writes target/bench/rollouts.md and
##                per-pod timelines (target/bench/rollout-timelines.csv). About 4 min; holds the real-cluster lock.
##                PACKAGED=native: Ordinal's replicas are the native executable (make native first), as the image ships.
bench-rollout: target/classpath.stamp
	flock /tmp/ordinal-realcluster.lock java $(if $(filter native,$(PACKAGED)),-Dordinal.packaged=native) \
	  -cp $(TEST_CP) dev.ordinal.realcluster.RolloutBench

## bench-first-list: start to ready of the jar and the native executable, as the images run them, against the real API
##                   server holding 11,010 member pods (realistic ones, then the benchmark's small ones), listing them
##                   at once and in pages; writes target/bench/first-list-real-{realistic,small}.md. About 12 min;
##                   holds the real-cluster lock. Builds the native executable first when it is missing or stale.
bench-first-list: $(NATIVE_RUNNER) target/classpath.stamp
	for fixture in realistic small; do \
	  flock /tmp/ordinal-realcluster.lock java -Dfirst-list.fixture=$$fixture -cp $(TEST_CP) \
	    dev.ordinal.realcluster.RealFirstList || exit 1; \
	done

# The demo and the benchmark are test-scope mains around the packaged jar. Build the jar, the test classes and the
# test classpath only when a source or the pom changed since the last build.
TEST_CP = target/test-classes:target/classes:$$(cat target/test-classpath.txt)
target/classpath.stamp: pom.xml $(shell find src -type f 2>/dev/null)
	$(MVN) -q -DskipTests package
	$(MVN) -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
	@touch $@

## format: apply the project's Java format (palantir-java-format via spotless; make test checks it)
format:
	$(MVN) spotless:apply

clean:
	$(MVN) clean

IMAGE ?= ordinal/ordinal:0.1.0
CONTAINER_TOOL ?= docker
KUBECTL ?= kubectl

.PHONY: certs deploy undeploy image image-native native native-test

## certs: CA and webhook serving certificate in certs/out/ (kept while valid; RENEW=1 re-issues the serving
##        certificate from the same CA, FORCE=1 replaces the CA too)
certs:
	certs/gen-certs.sh $(if $(FORCE),--force) $(if $(RENEW),--renew)

## deploy: install Ordinal into the current kubectl context (deploy/local = deploy/base + certs/out)
deploy: certs
	$(KUBECTL) apply -k deploy/local
	$(KUBECTL) -n ordinal-system rollout status deployment/ordinal --timeout=180s

## undeploy: remove the webhooks first, so opted-in pods are never stuck on a missing webhook
undeploy:
	$(KUBECTL) delete mutatingwebhookconfiguration/ordinal validatingwebhookconfiguration/ordinal --ignore-not-found
	$(KUBECTL) delete -k deploy --ignore-not-found

## image: JVM container image (tag with IMAGE=...)
image:
	$(MVN) -DskipTests package
	$(CONTAINER_TOOL) build -f src/main/docker/Dockerfile.jvm -t $(IMAGE) .

## image-native: native container image around the executable `make native` builds here (deploy/overlays/native)
IMAGE_NATIVE ?= ordinal/ordinal-native:0.1.0
image-native: native
	$(CONTAINER_TOOL) build -f src/main/docker/Dockerfile.native -t $(IMAGE_NATIVE) .

## native: native executable target/*-runner built on this machine without a GraalVM distribution: the GraalVM
##         25.0.2 builder jars (Maven Central), Debian's static JDK libraries and our SubstrateVM C libraries,
##         cached in ~/.cache/ordinal/native/ (src/main/native/build-native.sh). With a real GraalVM/Mandrel:
##         mvn -Pnative package
native:
	src/main/native/build-native.sh

## native-test: build the native runner and run the packaged-app integration tests against it (REUSE=1: test the
##              runner already in target/ instead of rebuilding it)
NATIVE_ITS ?= BadInputIT,TwoInstancesIT
# What make test runs against the native runner: every packaged-app suite, the real control plane included.
NATIVE_TEST_ITS = BadInputIT,TwoInstancesIT,FirstRunIT,CipherPreferenceIT,RealControlPlaneIT,StatefulSetParityIT
native-test:
	src/main/native/build-native.sh -- verify -Dtest=NoUnitTests -Dsurefire.failIfNoSpecifiedTests=false \
	  -Dit.test=$(NATIVE_ITS) $(if $(REUSE),-Dquarkus.native.reuse-existing=true)
