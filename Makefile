# SPDX-License-Identifier: GPL-2.0
KFTP_VERSION := 0.1.0
# The newest installed kernel with headers, unless told otherwise.
KVER ?= $(shell ls -1d /lib/modules/*/build 2>/dev/null | sort -V | tail -n1 | cut -d/ -f4)
KDIR ?= /lib/modules/$(KVER)/build

all: modules user

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) KFTP_VERSION=$(KFTP_VERSION) modules

user:
	$(MAKE) -C user KFTP_VERSION=$(KFTP_VERSION)

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C user clean

.PHONY: all modules user clean
