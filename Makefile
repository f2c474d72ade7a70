# SPDX-License-Identifier: GPL-2.0
#
# kftp: in-kernel FTP client. The kbuild side is in Kbuild.
#   make            build kftp.ko (for KVER) and user/kftp-get
#   make demo       install packages, boot a VM, download a file with kftp
#   make check      install packages, run the test suite in a VM
KFTP_VERSION := 0.1.0

# The newest installed kernel with headers, unless told otherwise.
KVER ?= $(shell ls -1d /lib/modules/*/build 2>/dev/null | sort -V | tail -n1 | cut -d/ -f4)
KDIR ?= /lib/modules/$(KVER)/build
# Passed on to the test scripts only when given on the command line.
KVER_ARG := $(if $(filter command line environment,$(origin KVER)),$(KVER))

all: modules user

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) KFTP_VERSION=$(KFTP_VERSION) modules

user:
	$(MAKE) -C user KFTP_VERSION=$(KFTP_VERSION)

deps:
	tests/deps.sh

demo:
	tests/demo.sh $(KVER_ARG)

check:
	tests/check.sh $(KVER_ARG)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C user clean

.PHONY: all modules user deps demo check clean
