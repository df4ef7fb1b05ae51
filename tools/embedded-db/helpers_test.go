package main

import (
	"context"
	"net"
	"time"

	"go.mongodb.org/mongo-driver/mongo/options"
)

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// clientOptions connects the Go driver to s through its Unix socket. The
// driver lower-cases a socket path taken from a URI (mongo/address), which
// breaks on paths with capitals such as t.TempDir()'s, so it dials the
// socket itself.
func clientOptions(s *server) *options.ClientOptions {
	sock := s.frontSock
	return options.Client().ApplyURI(s.URI()).SetDialer(unixDialer(sock))
}

type unixDialer string

func (d unixDialer) DialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	var nd net.Dialer
	return nd.DialContext(ctx, "unix", string(d))
}
