"""Reading PPMIDs on site: serial barcode scanners and IEC 62056-21 optical probes.

``reader.read_device(port, protocol)`` is the one entry point (CLI, check, GUI). Inside:
``transport`` (pyserial ports, bounded and cancellable), ``ports`` (discovery), ``iec62056``
(pure frames and parsers), ``optical`` (mode C client), ``barcode`` (line reader and payload
parsers), ``profiles`` (address maps as data), ``simulator`` (a simulated PPMID on a pty).
No Qt, no SQL.
"""
