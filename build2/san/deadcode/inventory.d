build2/san/deadcode/inventory.o: user/deadcode/inventory.c \
 user/deadcode/deadcode.h user/lib/htab.h user/deadcode/ignorefile.h \
 user/deadcode/keys.h user/lib/alloc.h user/lib/msg.h \
 build2/gen/inventory_py.h
user/deadcode/deadcode.h:
user/lib/htab.h:
user/deadcode/ignorefile.h:
user/deadcode/keys.h:
user/lib/alloc.h:
user/lib/msg.h:
build2/gen/inventory_py.h:
