// A kubelet-shaped httpGet prober, for the benchmarks: Go's net/http with
// the transport the kubelet's prober uses (no keep-alive, no compression,
// no proxy), one fresh connection per check, the kubelet's headers, the
// body read up to the prober's 10 KiB limit.
//
//	go build -o kubelet-client main.go
//	kubelet-client ADDR CHECKS [PATH]
//
// Prints the process's own CPU (user + sys, all threads) and the wall time
// of the checks, in nanoseconds: "cpu_ns wall_ns". Exits 1 on any check
// that is not a 200.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"syscall"
	"time"
)

func cpuNs() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: kubelet-client ADDR CHECKS [PATH]")
		os.Exit(2)
	}
	addr := os.Args[1]
	checks, err := strconv.Atoi(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "CHECKS:", err)
		os.Exit(2)
	}
	path := "/livez"
	if len(os.Args) > 3 {
		path = os.Args[3]
	}
	// As pkg/probe/http.New: keep-alives and compression off, no proxy,
	// a dialer without keep-alive probes.
	transport := &http.Transport{
		DisableKeepAlives:  true,
		DisableCompression: true,
		Proxy:              http.ProxyURL(nil),
		DialContext:        (&net.Dialer{KeepAlive: -1}).DialContext,
	}
	client := &http.Client{
		Transport: transport,
		Timeout:   time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	url := "http://" + addr + path
	startCPU, start := cpuNs(), time.Now()
	for i := 0; i < checks; i++ {
		req, err := http.NewRequest("GET", url, nil)
		if err != nil {
			panic(err)
		}
		req.Header.Set("User-Agent", "kube-probe/1.33")
		req.Header.Set("Accept", "*/*")
		resp, err := client.Do(req)
		if err != nil {
			fmt.Fprintln(os.Stderr, "check:", err)
			os.Exit(1)
		}
		_, err = io.ReadAll(io.LimitReader(resp.Body, 10*1024))
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			fmt.Fprintln(os.Stderr, "check:", resp.Status, err)
			os.Exit(1)
		}
	}
	wall := time.Since(start).Nanoseconds()
	fmt.Printf("%d %d\n", cpuNs()-startCPU, wall)
}
