package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// addressFileName is where the running owner of a data directory records
// how to reach it, so that tools run beside it (the app's CLI) connect to
// it instead of trying to start a second database on the same files.
const addressFileName = "embedded-db.json"

// address is the content of the address file (mode 0600).
type address struct {
	PID int `json:"pid"`
	// Socket is the front's Unix socket; URI reaches it.
	Socket string `json:"socket"`
	URI    string `json:"uri"`
	// TCPURI is set only when a TCP listener was asked for.
	TCPURI string `json:"tcpUri,omitempty"`
	// PrivateDir is the directory made for the socket when the data
	// directory's path is too long; removed on stop.
	PrivateDir string `json:"privateDir,omitempty"`
}

// socketURI is a MongoDB connection string for a Unix socket: the path,
// percent-encoded, as the host (drivers recognise it by the ".sock" end).
// Everything but unreserved characters is encoded, so that no character of
// the path (":", "@", "/", "%", …) can be read as part of the URI's syntax.
func socketURI(path string) string {
	var b strings.Builder
	b.WriteString("mongodb://")
	for i := 0; i < len(path); i++ {
		c := path[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	b.WriteString("/")
	return b.String()
}

// writeAddressFile records a in dir, readable by this user only; the file
// is replaced atomically, so a reader never sees half of it.
func writeAddressFile(dir string, a address) error {
	data, err := json.Marshal(a)
	if err != nil {
		return err
	}
	final := filepath.Join(dir, addressFileName)
	tmp := final + ".tmp"
	_ = os.Remove(tmp)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		_ = f.Close()
		_ = os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, final)
}

// readAddressFile reads what a previous owner of dir recorded, if anything.
func readAddressFile(dir string) (address, bool) {
	var a address
	data, err := os.ReadFile(filepath.Join(dir, addressFileName))
	if err != nil || json.Unmarshal(data, &a) != nil {
		return address{}, false
	}
	return a, true
}

func removeAddressFile(dir string) {
	_ = os.Remove(filepath.Join(dir, addressFileName))
}
