// Package inputfile reads the files a user names on the command line
// (templates, config files) with limits: only regular files, only up to a
// size, so a device, a FIFO or a huge file is a clear error, never a hang
// or an out-of-memory crash.
package inputfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// MaxSize is the largest input file apigw reads: far above CloudFormation's
// own template limit (1 MB), so any real template fits.
const MaxSize = 16 << 20

// Read returns the contents of the regular file at path, at most max bytes.
// The error says what is wrong in words (no such file, a folder, a FIFO,
// too large), without the path: callers add it.
func Read(path string, max int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, describe(err)
	}
	if err := regular(st); err != nil {
		return nil, err
	}
	if st.Size() > max {
		return nil, tooLarge(max)
	}
	// O_NONBLOCK: should the path turn into a FIFO between the Stat and
	// here, opening it must not wait for a writer.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, describe(err)
	}
	defer f.Close()
	if st, err = f.Stat(); err != nil {
		return nil, describe(err)
	}
	if err := regular(st); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, describe(err)
	}
	if int64(len(data)) > max {
		return nil, tooLarge(max)
	}
	return data, nil
}

func regular(st fs.FileInfo) error {
	switch m := st.Mode(); {
	case m.IsRegular():
		return nil
	case m.IsDir():
		return errors.New("it is a folder, not a file")
	case m&fs.ModeNamedPipe != 0:
		return errors.New("it is a FIFO (named pipe), not a regular file")
	case m&fs.ModeSocket != 0:
		return errors.New("it is a socket, not a regular file")
	case m&fs.ModeDevice != 0:
		return errors.New("it is a device, not a regular file")
	default:
		return fmt.Errorf("it is not a regular file (%v)", m.Type())
	}
}

func tooLarge(max int64) error {
	return fmt.Errorf("it is larger than %d MB, apigw's limit for an input file", max>>20)
}

func describe(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
