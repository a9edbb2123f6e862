module ordinal.dev/bench/gowebhook

go 1.22
