# Ordinal: the two commands a newcomer needs are `make demo` and `make test`.
MVN ?= mvn -B
SHELL := /bin/bash

.PHONY: test build run demo bench clean

## test: unit, @QuarkusTest, end-to-end and packaged-jar integration tests
test:
	$(MVN) verify

## build: package the JVM application (target/quarkus-app/)
build:
	$(MVN) -DskipTests package

## run: run the packaged app; needs TLS files and a kubeconfig (see README)
run: build
	java -jar target/quarkus-app/quarkus-run.jar

clean:
	$(MVN) clean
