package zookeeper

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Jars of Debian's zookeeper package. zookeeper.jar's manifest lists the rest
// of its class path (jute, netty, slf4j-api…); slf4j-simple gives it a logger.
var defaultJars = []string{"/usr/share/java/zookeeper.jar", "/usr/share/java/slf4j-simple.jar"}

// ErrNotInstalled reports that the ZooKeeper jars or java are missing.
var ErrNotInstalled = errors.New("zookeeper is not installed (apt-get install -y zookeeper), or set ZOOKEEPER_CLASSPATH and JAVA_HOME")

// locate finds java and the class path. ZOOKEEPER_CLASSPATH overrides the
// Debian jars; JAVA_HOME, if set, picks the JVM.
func locate() (java, classpath string, err error) {
	java = "java"
	if home := os.Getenv("JAVA_HOME"); home != "" {
		java = filepath.Join(home, "bin", "java")
	}
	if java, err = exec.LookPath(java); err != nil {
		return "", "", fmt.Errorf("%w: %w", ErrNotInstalled, err)
	}
	if cp := os.Getenv("ZOOKEEPER_CLASSPATH"); cp != "" {
		return java, cp, nil
	}
	for _, jar := range defaultJars {
		if _, err := os.Stat(jar); err != nil {
			return "", "", fmt.Errorf("%w: %w", ErrNotInstalled, err)
		}
	}
	return java, strings.Join(defaultJars, string(os.PathListSeparator)), nil
}
