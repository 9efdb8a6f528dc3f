defmodule E2eProbe.Json do
  @moduledoc "Just enough JSON for flat maps of strings, integers, booleans and nil."

  def encode(map) when is_map(map) do
    body =
      map
      |> Enum.sort()
      |> Enum.map_join(",", fn {key, value} -> value(to_string(key)) <> ":" <> value(value) end)

    "{" <> body <> "}"
  end

  defp value(nil), do: "null"
  defp value(true), do: "true"
  defp value(false), do: "false"
  defp value(int) when is_integer(int), do: Integer.to_string(int)
  defp value(map) when is_map(map), do: encode(map)
  defp value(text) when is_binary(text), do: "\"" <> escape(text) <> "\""
  defp value(other), do: value(inspect(other))

  defp escape(text) do
    for <<char::utf8 <- text>>, into: "" do
      case char do
        ?" -> "\\\""
        ?\\ -> "\\\\"
        c when c < 0x20 -> "\\u" <> String.pad_leading(Integer.to_string(c, 16), 4, "0")
        c -> <<c::utf8>>
      end
    end
  end
end
