# SPDX-License-Identifier: GPL-2.0
#
# kftp: in-kernel FTP client. The kbuild side is in Kbuild.
#   make            build kftp.ko (for KVER), user/kftp-get and user/kftpstat
#   make demo       install packages, boot a VM, download a file with kftp
#   make check      install packages, run the test suite in a VM
#   make check-debug  the same on a debug kernel (KASAN, kmemleak, lockdep)
#   make deb        the Debian packages kftp-dkms and kftp-get, in .build/deb
#                   (installs their build dependencies only)
#   make bench      kftp against curl, wget, lftp, aria2 in a VM (QUICK=1:
#                   one small round); table, CSV and plot in .build/bench
# The one version source is the file VERSION; Kbuild, user/Makefile,
# dkms.conf (PACKAGE_VERSION="#MODULE_VERSION#", filled in by dh_dkms and by
# dkms-install), debian/changelog and the man pages' .TH lines follow it
# (tests/dkms-build.sh checks that they agree).
KFTP_VERSION := $(shell cat $(dir $(lastword $(MAKEFILE_LIST)))VERSION)

# The running kernel; where it has no headers (a container, a CI host), the
# oldest installed kernel that has them. tests/vm/lib.sh picks the same.
KVER ?= $(shell r=$$(uname -r); if [ -d /lib/modules/$$r/build ]; then echo $$r; \
	else ls -1d /lib/modules/*/build 2>/dev/null | sort -V | head -n1 | cut -d/ -f4; fi)
KDIR ?= /lib/modules/$(KVER)/build
# kbuild cannot take M= with a space in it (make splits it into words): in
# a checkout whose path has one, it is given a space-free symlink to it.
space := $(subst ,, )
KBUILD_M := $(if $(findstring $(space),$(CURDIR)),$(shell \
	d=/tmp/kftp-m-$$(printf '%s' '$(CURDIR)' | sha256sum | cut -c1-16); \
	ln -sfn '$(CURDIR)' $$d && echo $$d),$(CURDIR))
# Passed on to the test scripts only when given on the command line.
KVER_ARG := $(if $(filter command line environment,$(origin KVER)),$(KVER))

all: modules user

# samples/kecho (kecho.ko, an in-kernel echo server on kftp's socket layer)
# is a kbuild run of its own, so that kftp's modules_install (`make install`)
# never installs it; trees without samples/ (DKMS) simply skip it.
KECHO_DIR := $(if $(wildcard samples/kecho/Kbuild),$(KBUILD_M)/samples/kecho)

modules: kftp-module samples

kftp-module:
	$(MAKE) -C $(KDIR) M=$(KBUILD_M) KFTP_VERSION=$(KFTP_VERSION) modules

samples:
ifneq ($(KECHO_DIR),)
	$(MAKE) -C $(KDIR) M=$(KECHO_DIR) modules
endif

user:
	$(MAKE) -C user KFTP_VERSION=$(KFTP_VERSION)

# Test programs that run in the VM (the ioctl fuzzer).
testprogs:
	$(MAKE) -C tests/fuzz

deps:
	tests/deps.sh

# Installation: the module for KVER, the CLI and the man pages.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
INSTALL_MOD_DIR ?= updates
MODDIR = $(DESTDIR)/lib/modules/$(KVER)/$(INSTALL_MOD_DIR)

# Builds only what it installs: not samples/.
install: kftp-module user
	$(MAKE) -C $(KDIR) M=$(KBUILD_M) KFTP_VERSION=$(KFTP_VERSION) \
		INSTALL_MOD_PATH=$(DESTDIR) INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) \
		modules_install
	@# kbuild skips depmod without a System.map, which Debian's headers lack.
	depmod $(if $(DESTDIR),-b $(DESTDIR)) $(KVER)
	install -D -m 0755 user/kftp-get $(DESTDIR)$(BINDIR)/kftp-get
	install -D -m 0755 user/kftpstat $(DESTDIR)$(BINDIR)/kftpstat
	install -D -m 0644 man/kftp-get.1 $(DESTDIR)$(MANDIR)/man1/kftp-get.1
	install -D -m 0644 man/kftpstat.1 $(DESTDIR)$(MANDIR)/man1/kftpstat.1
	install -D -m 0644 man/kftp.4 $(DESTDIR)$(MANDIR)/man4/kftp.4
	install -D -m 0644 user/completion/kftp-get \
		$(DESTDIR)$(BASHCOMPDIR)/kftp-get
	install -D -m 0644 user/completion/kftpstat \
		$(DESTDIR)$(BASHCOMPDIR)/kftpstat

uninstall:
	rm -f $(MODDIR)/kftp.ko $(MODDIR)/kftp.ko.xz $(MODDIR)/kftp.ko.zst \
		$(MODDIR)/kftp.ko.gz
	depmod $(if $(DESTDIR),-b $(DESTDIR)) $(KVER)
	rm -f $(DESTDIR)$(BINDIR)/kftp-get $(DESTDIR)$(MANDIR)/man1/kftp-get.1 \
		$(DESTDIR)$(MANDIR)/man4/kftp.4 $(DESTDIR)$(BASHCOMPDIR)/kftp-get \
		$(DESTDIR)$(BINDIR)/kftpstat $(DESTDIR)$(MANDIR)/man1/kftpstat.1 \
		$(DESTDIR)$(BASHCOMPDIR)/kftpstat

# DKMS rebuilds the module for every kernel Debian installs later on.
DKMS_SRC = /usr/src/kftp-$(KFTP_VERSION)
# The module's sources, as debian/kftp-dkms.install ships them; dkms.conf
# is a template (PACKAGE_VERSION="#MODULE_VERSION#") filled in on the way.
DKMS_FILES = Kbuild VERSION $(filter-out %.mod.c,$(wildcard *.c)) include

dkms-install:
	@# A second install replaces the first instead of failing in dkms add.
	if [ -n "$$(dkms status -m kftp -v $(KFTP_VERSION))" ]; then \
		dkms remove -m kftp -v $(KFTP_VERSION) --all; fi
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	cp -r $(DKMS_FILES) $(DKMS_SRC)/
	sed 's/#MODULE_VERSION#/$(KFTP_VERSION)/' dkms.conf >$(DKMS_SRC)/dkms.conf
	dkms add -m kftp -v $(KFTP_VERSION)
	dkms build -m kftp -v $(KFTP_VERSION) -k $(KVER)
	dkms install -m kftp -v $(KFTP_VERSION) -k $(KVER)

dkms-uninstall:
	-dkms remove -m kftp -v $(KFTP_VERSION) --all
	rm -rf $(DKMS_SRC)

# Debian: kftp-dkms and kftp-get, by dpkg-buildpackage from a clean copy
# of the tree (tests/build-deb.sh); results in .build/deb.
deb:
	tests/deps.sh --build-deps
	tests/build-deb.sh .build/deb

demo:
	tests/demo.sh $(KVER_ARG)

check:
	tests/check.sh $(KVER_ARG)

# The benchmark (bench/run.sh): QUICK=1 runs one small round, as CI does.
bench:
	bench/run.sh $(if $(QUICK),--quick) $(KVER_ARG)

# The suite on every installed kernel (6.12 too after deps.sh --backports).
check-all:
	tests/check-all.sh

# The memory-bug-prone parts on a debug kernel (KASAN, kmemleak, lockdep,
# UBSAN) built from Debian's linux-source-6.1, cached in /var/cache/kftp.
check-debug:
	tests/debug/check-debug.sh

# checkpatch, sparse and W=1 on every lane, -Werror and cppcheck, man pages.
lint:
	tests/deps.sh --lint
	tests/lint.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(KBUILD_M) clean
ifneq ($(KECHO_DIR),)
	-$(MAKE) -C $(KDIR) M=$(KECHO_DIR) clean
endif
	$(MAKE) -C user clean
	$(MAKE) -C tests/fuzz clean
	$(MAKE) -C bench clean

.PHONY: all modules kftp-module samples user testprogs deps install uninstall \
	dkms-install dkms-uninstall deb demo check check-all check-debug bench lint clean
