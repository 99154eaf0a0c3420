"""The rights of the Code of Practice for Victims of Crime in England and Wales (the
Victims' Code, 2020), by number.

A national step names the right it serves (`victims_code_right`), so compliance can be
read per right and per criminal justice body: the joint compliance reviews of the Victims
and Prisoners Act 2024 (ss. 6-8) are organised that way. Bottom layer: imports nothing.
"""

from __future__ import annotations

RIGHTS: dict[int, str] = {
    1: "To be able to understand and to be understood",
    2: "To have details of the crime recorded without unjustified delay",
    3: "To be provided with information when reporting the crime",
    4: "To be referred to services that support victims and have services and support "
       "tailored to your needs",
    5: "To be provided with information about compensation",
    6: "To be provided with information about the investigation and prosecution",
    7: "To make a Victim Personal Statement",
    8: "To be given information about the trial, trial process and your role as a witness",
    9: "To be given information about the outcome of the case and any appeals",
    10: "To be paid expenses and have property returned",
    11: "To be given information about the offender following a conviction",
    12: "To make a complaint about your Rights not being met",
}

# The criminal justice bodies a right is owed by, as step owners name them.
BODIES: dict[str, str] = {
    "police": "Police",
    "cps": "Crown Prosecution Service",
    "wcu": "Witness care unit",
    "isva": "ISVA service",
    "probation": "Probation Service",
}


def right_label(number: int) -> str:
    """`Right 6: To be provided with information about ...`"""
    return f"Right {number}: {RIGHTS[number]}"
