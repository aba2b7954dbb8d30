import { describe, expect, it } from "vitest";
import { render, screen } from "@testing-library/react";
import { TextField } from "./Field";

describe("a field", () => {
  it("is labelled, and an error is announced and tied to the input", () => {
    render(<TextField label="PIN code" error="Enter a six-digit PIN code" defaultValue="12345" />);
    const input = screen.getByLabelText("PIN code");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    const message = document.getElementById(input.getAttribute("aria-describedby") ?? "");
    expect(message?.textContent).toBe("Enter a six-digit PIN code");
    expect(screen.getByRole("alert").textContent).toBe("Enter a six-digit PIN code");
  });

  it("shows its hint when there is no error", () => {
    render(<TextField label="E-mail" hint="Receipts go here" />);
    const input = screen.getByLabelText("E-mail");
    expect(input.getAttribute("aria-invalid")).toBeNull();
    expect(document.getElementById(input.getAttribute("aria-describedby") ?? "")?.textContent).toBe("Receipts go here");
  });
});
