"""License detection from short, realistic LICENSE texts."""

from __future__ import annotations

from pathlib import Path

import pytest

from datacard.license import detect_license, identify_license, license_file

MIT = """MIT License

Copyright (c) 2023 Example Lab

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.
"""

APACHE = """
                                 Apache License
                           Version 2.0, January 2004
                        http://www.apache.org/licenses/

   TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION
   4. Redistribution. You may reproduce and distribute copies of the Work...
"""

BSD_HEAD = """Copyright (c) 2020, The Authors
All rights reserved.

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:

1. Redistributions of source code must retain the above copyright notice, this
   list of conditions and the following disclaimer.
2. Redistributions in binary form must reproduce the above copyright notice.
"""
BSD3 = (
    BSD_HEAD
    + """3. Neither the name of the copyright holder nor the names of its
   contributors may be used to endorse or promote products derived from this software.
"""
)

GPL3 = """                    GNU GENERAL PUBLIC LICENSE
                       Version 3, 29 June 2007

 Copyright (C) 2007 Free Software Foundation, Inc. <https://fsf.org/>
 Everyone is permitted to copy and distribute verbatim copies
"""

LGPL3 = """                   GNU LESSER GENERAL PUBLIC LICENSE
                       Version 3, 29 June 2007

  This version of the GNU Lesser General Public License incorporates
the terms and conditions of version 3 of the GNU General Public
License, supplemented by the additional permissions listed below.
"""

CC_BY = """Attribution 4.0 International

=======================================================================

Creative Commons Corporation ("Creative Commons") is not a law firm...

Creative Commons Attribution 4.0 International Public License

By exercising the Licensed Rights (defined below), You accept and agree
to be bound by the terms and conditions of this Creative Commons
Attribution 4.0 International Public License ("Public License").
"""

CC_BY_SA = """Creative Commons Attribution-ShareAlike 4.0 International Public License

By exercising the Licensed Rights (defined below), You accept and agree to be
bound by the terms ... BY-SA Compatible License means a license listed at
creativecommons.org/compatiblelicenses.
"""

CC_BY_NC = """## Creative Commons Attribution-NonCommercial 4.0 International Public License

By exercising the Licensed Rights, You accept the terms of this Public License.
"""

CC_BY_NC_SA = """Attribution-NonCommercial-ShareAlike 4.0 International

Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International
Public License
"""

CC0 = """Creative Commons Legal Code

CC0 1.0 Universal

    CREATIVE COMMONS CORPORATION IS NOT A LAW FIRM AND DOES NOT PROVIDE
    LEGAL SERVICES.
"""

ODBL = """## ODC Open Database License (ODbL)

### Preamble

The Open Database License (ODbL) is a license agreement intended to
allow users to freely share, modify, and use this Database while
maintaining this same freedom for others.
"""

ODC_BY = """Open Data Commons Attribution License (ODC-By) v1.0

### Preamble

The Open Data Commons Attribution License is a license agreement
intended to allow users to freely share, modify, and use this Database
subject only to the attribution requirements set out in Section 4.
"""

PDDL = """Open Data Commons – Public Domain Dedication & License (PDDL)

Preamble

The Open Data Commons – Public Domain Dedication & Licence is a document
intended to allow you to freely share, modify, and use this work for any
purpose and without any restrictions.
"""

CDLA = """Community Data License Agreement – Permissive – Version 2.0

This is the Community Data License Agreement – Permissive, Version 2.0
(the "agreement"). Data Provider(s) and Data Recipient(s) agree as follows:
"""

SPDX = """/* SPDX-License-Identifier: CC-BY-4.0 AND (MIT OR Apache-2.0) */
Some other words that mention the GNU General Public License version 3.
"""


@pytest.mark.parametrize(
    ("text", "spdx"),
    [
        (MIT, "MIT"),
        (APACHE, "Apache-2.0"),
        (BSD_HEAD, "BSD-2-Clause"),
        (BSD3, "BSD-3-Clause"),
        (GPL3, "GPL-3.0-only"),
        (LGPL3, "LGPL-3.0-only"),
        (CC_BY, "CC-BY-4.0"),
        (CC_BY_SA, "CC-BY-SA-4.0"),
        (CC_BY_NC, "CC-BY-NC-4.0"),
        (CC_BY_NC_SA, "CC-BY-NC-SA-4.0"),
        (CC0, "CC0-1.0"),
        (ODBL, "ODbL-1.0"),
        (ODC_BY, "ODC-By-1.0"),
        (PDDL, "PDDL-1.0"),
        (CDLA, "CDLA-Permissive-2.0"),
        (SPDX, "CC-BY-4.0 AND (MIT OR Apache-2.0)"),
        ("This dataset is released under CC BY-NC-SA 4.0.", "CC-BY-NC-SA-4.0"),
        ("Licensed CC-BY 3.0 (attribution required).", "CC-BY-3.0"),
    ],
)
def test_identifies_common_licenses(text: str, spdx: str) -> None:
    assert identify_license(text) == spdx


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Copyright 2024 ACME Corp. All rights reserved. Internal use only.",
        "Permission is hereby granted to researchers at ACME to use this data.",
        "See the website for terms.",
    ],
)
def test_unknown_text_is_none(text: str) -> None:
    assert identify_license(text) is None


@pytest.mark.parametrize("name", ["LICENSE", "LICENSE.md", "LICENSE.txt", "COPYING", "license"])
def test_detect_license_reads_the_license_file(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text(MIT, encoding="utf-8")
    (tmp_path / "README.md").write_text(GPL3, encoding="utf-8")
    assert detect_license(tmp_path) == "MIT"
    assert detect_license(tmp_path / name) == "MIT"


def test_license_file_preference_and_absence(tmp_path: Path) -> None:
    assert detect_license(tmp_path) is None
    assert license_file(tmp_path) is None
    (tmp_path / "COPYING").write_text(GPL3)
    (tmp_path / "LICENSE.md").write_text(CC_BY)
    assert license_file(tmp_path) == tmp_path / "LICENSE.md"
    assert detect_license(tmp_path) == "CC-BY-4.0"
    assert detect_license(tmp_path / "missing-folder") is None


def test_undecodable_bytes_do_not_break_detection(tmp_path: Path) -> None:
    (tmp_path / "LICENSE").write_bytes(b"\xff\xfe" + APACHE.encode("latin-1"))
    assert detect_license(tmp_path) == "Apache-2.0"
